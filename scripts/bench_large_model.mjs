#!/usr/bin/env node
// Streaming and memory on a generated multi-GB safetensors checkpoint (larger than WebAssembly's
// 4 GB memory by default): how long listing takes, and peak memory while every tensor is read
// (stats) or quantized, one at a time, against the size of the largest tensor. 'stats' and
// 'quantize' measure in the core as the model view does; 'quantize-js' copies every tensor and
// its full quantize() result to JS, for comparison.
//   node scripts/bench_large_model.mjs [--gib 5] [--dir /tmp] [--keep]
// Each phase runs in its own Node process so its peak RSS (getrusage maxrss) is its own.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  gib: { type: 'string', default: '5' }, dir: { type: 'string', default: os.tmpdir() },
  keep: { type: 'boolean' }, phase: { type: 'string' }, file: { type: 'string' } } });
const MiB = 1 << 20;

async function runPhase(phase, file) {
  const { loadQplay } = await import('../web/lib/qplay.mjs');
  const { sourceFromPath } = await import('../web/lib/node_sources.mjs');
  const qp = await loadQplay();
  const t0 = performance.now();
  const model = qp.openModel([sourceFromPath(file)]);
  const listMs = performance.now() - t0;
  let largest = 0;
  const t1 = performance.now();
  if (phase !== 'list') {
    // What the model view does: each tensor read and measured inside the core.
    for (let i = 0; i < model.tensors.length; i++) {
      largest = Math.max(largest, model.tensors[i].parameters * 4);
      if (phase === 'stats') model.analyzeTensor(i);
      else if (phase === 'quantize') model.analyzeTensor(i, { bits: 8, scheme: 'symmetric', axis: 0 });
      else {  // 'quantize-js': the tensor and the full quantize() result cross to JS
        const t = model.readTensor(i);
        qp.quantize(t.data, t.shape, { bits: 8, scheme: 'symmetric', axis: 0 });
      }
    }
  }
  const workS = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({ phase, tensors: model.tensors.length, listMs, workS, largest,
    maxRss: process.resourceUsage().maxRSS * 1024, wasmHeap: qp._m.HEAPU8.buffer.byteLength }));
}

// Writes a safetensors file of float32 tensors without holding it in memory: a 16 MiB block of
// pseudo-random floats is written repeatedly, scaled per tensor.
function generate(file, gib) {
  const shapes = [['embed.weight', [131072, 1024]]];  // the largest: 512 MiB
  let total = 512 * MiB;
  for (let i = 0; total < gib * 1024 * MiB; i++, total += 128 * MiB) shapes.push([`layers.${i}.weight`, [32768, 1024]]);
  const header = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape[0] * shape[1] * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + text.length) % 8)) % 8);
  const fd = openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(text));
  const block = new Float32Array(16 * MiB / 4);
  let s = 12345;
  for (let i = 0; i < block.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    block[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  const bytes = Buffer.from(block.buffer);
  for (const [, shape] of shapes) {
    for (let left = shape[0] * shape[1] * 4; left > 0; left -= bytes.length) writeSync(fd, bytes, 0, Math.min(left, bytes.length));
  }
  closeSync(fd);
  return shapes.length;
}

if (values.phase) {
  await runPhase(values.phase, values.file);
} else {
  const gib = Number(values.gib);
  const file = path.join(values.dir, `qplay-bench-${gib}gib.safetensors`);
  const tg = performance.now();
  if (!existsSync(file)) generate(file, gib);
  const size = statSync(file).size;
  console.log(`file: ${file}, ${(size / 2 ** 30).toFixed(2)} GiB (ready in ${((performance.now() - tg) / 1000).toFixed(1)} s)`);
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  for (const phase of ['list', 'stats', 'quantize', 'quantize-js']) {
    const r = spawnSync(process.execPath, [self, '--phase', phase, '--file', file], { encoding: 'utf8' });
    if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const largest = rows.find((r) => r.largest).largest;
  console.log(`largest tensor: ${(largest / MiB).toFixed(0)} MiB (as float32)\n`);
  console.log('phase        tensors  list ms  work s   GB/s  peak RSS MiB  wasm heap MiB  RSS/largest');
  for (const r of rows) {
    const gbs = r.phase !== 'list' ? (size / 1e9 / r.workS).toFixed(2) : '-';
    console.log(`${r.phase.padEnd(11)} ${String(r.tensors).padStart(8)} ${r.listMs.toFixed(1).padStart(8)} ${r.workS.toFixed(1).padStart(7)} ${gbs.padStart(6)} ` +
      `${(r.maxRss / MiB).toFixed(0).padStart(13)} ${(r.wasmHeap / MiB).toFixed(0).padStart(14)} ${(r.maxRss / largest).toFixed(2).padStart(12)}`);
  }
  if (!values.keep) rmSync(file);
}
