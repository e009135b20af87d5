#!/usr/bin/env node
// Benchmark (not a test): two builds of the core side by side in one process, e.g. the current
// tree against a module built from an older commit, interleaved so machine noise hits both.
//   node scripts/bench_builds.mjs OTHER/web/lib/qplay.mjs [--reps 11] [--no-compare] [--no-quantize]
// (OTHER: a checkout of the other commit after `node scripts/build.mjs wasm`.) Prints quantize() /
// runScheme() on 1024×1024 and "compare all" on 4096×4096 row by row (each row: other, then this
// tree), and says whether every row's metrics, bits per weight and label are identical.
import { loadQplay } from '../web/lib/qplay.mjs';
import { rng } from '../web/app/tensors.mjs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const otherPath = process.argv[2];
if (!otherPath || otherPath.startsWith('--')) {
  console.error('usage: node scripts/bench_builds.mjs OTHER/web/lib/qplay.mjs [--reps N] [--no-compare] [--no-quantize]');
  process.exit(2);
}
const { loadQplay: loadOther } = await import(pathToFileURL(path.resolve(otherPath)).href);
const builds = { other: await loadOther({ build: 'simd' }), this: await loadQplay({ build: 'simd' }) };
const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 11;
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];

function tensor(rows, cols, seed) {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * (1 + (i % cols) / cols);
  return x;
}

if (!process.argv.includes('--no-quantize')) {
  const shape = [1024, 1024];
  const x = tensor(1024, 1024, 1);
  const cases = [
    ['quantize int8 per tensor', (b) => b.quantize(x, shape, { bits: 8 })],
    ['quantize int8 sym axis 0', (b) => b.quantize(x, shape, { bits: 8, scheme: 'symmetric', axis: 0 })],
    ['quantize int8 sym axis 1', (b) => b.quantize(x, shape, { bits: 8, scheme: 'symmetric', axis: 1 })],
    ['runScheme int8 per tensor', (b) => b.runScheme(x, shape, { bits: 8 })],
    ['runScheme int8 sym axis 0', (b) => b.runScheme(x, shape, { bits: 8, scheme: 'symmetric', axis: 0 })],
  ];
  console.log(`1024×1024, median of ${reps}, interleaved`);
  console.log('case                          other ms   this ms  other/this  this GB/s');
  for (const [name, f] of cases) {
    const t = { other: [], this: [] };
    for (const b of Object.values(builds)) f(b);
    for (let i = 0; i < reps; i++) {
      for (const [k, b] of Object.entries(builds)) {
        const t0 = performance.now();
        f(b);
        t[k].push(performance.now() - t0);
      }
    }
    const a = median(t.other), c = median(t.this);
    console.log(`${name.padEnd(28)} ${a.toFixed(2).padStart(9)} ${c.toFixed(2).padStart(9)} ${(a / c).toFixed(2).padStart(11)} ${(x.byteLength / 1e9 / (c / 1e3)).toFixed(2).padStart(10)}`);
  }
}

if (!process.argv.includes('--no-compare')) {
  const shape = [4096, 4096];
  const x = tensor(4096, 4096, 2);
  const held = Object.fromEntries(Object.entries(builds).map(([k, b]) => [k, b.holdTensor(x, shape)]));
  const total = { other: 0, this: 0 };
  let identical = true;
  console.log(`\ncompare all (default set) on ${shape.join('×')}, held tensor, one run per row and build`);
  console.log('row                                          other ms   this ms  other/this');
  for (const options of builds.this.defaultComparison(shape)) {
    const row = {};
    for (const k of ['other', 'this']) {
      const t0 = performance.now();
      row[k] = held[k].compare(options);
      row[k].ms = performance.now() - t0;
      total[k] += row[k].ms;
    }
    const key = (r) => JSON.stringify([r.label, r.bitsPerWeight, r.metrics, r.error]);
    const same = key(row.other) === key(row.this);
    identical &&= same;
    console.log(`${row.this.label.padEnd(44)} ${row.other.ms.toFixed(0).padStart(8)} ${row.this.ms.toFixed(0).padStart(9)} ${(row.other.ms / row.this.ms).toFixed(2).padStart(11)}${same ? '' : '  RESULTS DIFFER'}`);
  }
  console.log(`${'total (s)'.padEnd(44)} ${(total.other / 1000).toFixed(2).padStart(8)} ${(total.this / 1000).toFixed(2).padStart(9)} ${(total.other / total.this).toFixed(2).padStart(11)}`);
  console.log(identical ? 'every row: same label, bits per weight and metrics in both builds' : 'SOME ROWS DIFFER');
  for (const h of Object.values(held)) h.release();
}
