#!/usr/bin/env node
// Writes the Fashion-MNIST data the page bundles, from Debian's dataset-fashion-mnist (installed
// by scripts/setup.mjs), into web/public/fmnist/ (not committed: the Debian package is the source):
//   t10k-{images-idx3,labels-idx1}-ubyte.gz       the 10 000 test images, copied as they are
//   train-5k-{images-idx3,labels-idx1}-ubyte.gz   the first 5000 training images: calibration
//                                                 (the first 1000) and in-browser QAT
// IDX files stay gzipped; the page gunzips them with DecompressionStream. Files are rewritten only
// when their bytes change, so incremental builds stay incremental.
//   node scripts/make_fmnist_assets.mjs [--source DIR] [--out-dir web/public]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const TRAIN_SUBSET = 5000;

function writeIfChanged(file, bytes) {
  if (existsSync(file) && Buffer.compare(readFileSync(file), bytes) === 0) return false;
  writeFileSync(file, bytes);
  return true;
}

/** The first `n` items of an IDX file (plain bytes): header with the count patched, then the items. */
export function idxPrefix(idx, n) {
  const dims = idx[3];
  const header = 4 + 4 * dims;
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  const count = view.getUint32(4, false);
  let itemBytes = 1;
  for (let d = 1; d < dims; d++) itemBytes *= view.getUint32(4 + 4 * d, false);
  const take = Math.min(n, count);
  const out = new Uint8Array(header + take * itemBytes);
  out.set(idx.subarray(0, header));
  new DataView(out.buffer).setUint32(4, take, false);
  out.set(idx.subarray(header, header + take * itemBytes), header);
  return out;
}

export function makeFmnistAssets({ source = FMNIST_DIR, outDir = path.join(root, 'web/public') } = {}) {
  const dir = path.join(outDir, 'fmnist');
  mkdirSync(dir, { recursive: true });
  const missing = ['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz']
    .filter((f) => !existsSync(path.join(source, f)));
  if (missing.length) {
    throw new Error(`Fashion-MNIST not found in ${source} (${missing.join(', ')}): ` +
      'install the Debian package dataset-fashion-mnist (npm run setup does)');
  }
  let changed = 0;
  for (const kind of ['images-idx3', 'labels-idx1']) {
    const test = readFileSync(path.join(source, `t10k-${kind}-ubyte.gz`));
    changed += writeIfChanged(path.join(dir, `t10k-${kind}-ubyte.gz`), test);
    const train = gunzipSync(readFileSync(path.join(source, `train-${kind}-ubyte.gz`)));
    const subset = gzipSync(idxPrefix(new Uint8Array(train.buffer, train.byteOffset, train.byteLength), TRAIN_SUBSET), { level: 9 });
    changed += writeIfChanged(path.join(dir, `train-5k-${kind}-ubyte.gz`), subset);
  }
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const changed = makeFmnistAssets({ source: arg('--source') ?? FMNIST_DIR, outDir: arg('--out-dir') ?? path.join(root, 'web/public') });
    console.log(`fmnist assets: ${changed} file(s) written`);
  } catch (e) {
    console.error(`make_fmnist_assets: ${e.message}`);
    process.exit(1);
  }
}
