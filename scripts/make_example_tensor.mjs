#!/usr/bin/env node
// Writes the page's bundled example tensor, web/public/examples/linear_256x512.npy: a float32
// weight-like 256×512 matrix (see exampleWeight in web/app/tensors.mjs), as a .npy v1.0 file in C
// order. Deterministic (seeded), so every build ships the same bytes; the file is rewritten only
// when its bytes change, so incremental builds stay incremental. Needs no WebAssembly build.
//   node scripts/make_example_tensor.mjs [--out-dir web/public]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE, exampleWeight } from '../web/app/tensors.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** A .npy v1.0 file holding little-endian float32 data of the given shape (C order). */
export function npyFloat32(data, shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);  // \x93NUMPY, version 1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i], true);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'web/public'));
  const file = path.join(outDir, EXAMPLE.file);
  const bytes = npyFloat32(exampleWeight(), [EXAMPLE.rows, EXAMPLE.cols]);
  let same = false;
  try {
    same = Buffer.from(readFileSync(file)).equals(Buffer.from(bytes));
  } catch { /* missing: write it */ }
  if (!same) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  console.log(`${path.relative(process.cwd(), file)}: ${EXAMPLE.rows}×${EXAMPLE.cols} float32, ` +
    `${bytes.length} bytes${same ? ' (unchanged)' : ''}`);
}
