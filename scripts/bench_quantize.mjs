#!/usr/bin/env node
// Benchmark: the SIMD and scalar WebAssembly builds side by side in one process, on the same
// tensors, interleaved so machine noise hits both. Prints a table of medians and the ratio.
// Not a test: numbers depend on the machine. Run: node scripts/bench_quantize.mjs [--reps 15] [--no-compare]
import { loadQplay } from '../web/lib/qplay.mjs';
import { rng } from '../web/app/tensors.mjs';

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The kernels alone first (reference tier beside the dispatched tier, GB/s), from the C++ benchmark
// (scripts/bench_kernels.cpp), which the default build leaves out: built here on demand.
if (existsSync(new URL('../build/wasm/CMakeCache.txt', import.meta.url)))
  spawnSync('cmake', ['--build', 'build/wasm', '--target', 'qp_bench', 'qp_bench_scalar'],
    { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
for (const exe of ['build/wasm/qp_bench.cjs', 'build/wasm/qp_bench_scalar.cjs']) {
  const file = new URL(`../${exe}`, import.meta.url);
  if (existsSync(file)) spawnSync(process.execPath, [file.pathname], { stdio: 'inherit' });
  else console.log(`(${exe} not built: node scripts/build.mjs wasm first)`);
  console.log('');
}

const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 15;
const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

function tensor(rows, cols, seed) {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * (1 + (i % cols) / cols);
  return x;
}

const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const cases = [
  { name: '64×64 8-bit per tensor', shape: [64, 64], opts: { bits: 8 } },
  { name: '1024×1024 8-bit per tensor', shape: [1024, 1024], opts: { bits: 8 } },
  { name: '1024×1024 4-bit sym axis 0', shape: [1024, 1024], opts: { bits: 4, scheme: 'symmetric', axis: 0 } },
  { name: '1024×1024 4-bit sym axis 1', shape: [1024, 1024], opts: { bits: 4, scheme: 'symmetric', axis: 1 } },
  { name: '1024×1024 8-bit onnx', shape: [1024, 1024], opts: { bits: 8, mode: 'onnx' } },
  { name: '1024×1024 4-bit g32 axis 1', shape: [1024, 1024], opts: { bits: 4, axis: 1, groupSize: 32 } },
  { name: '1024×1024 4-bit g128 axis 0', shape: [1024, 1024], opts: { bits: 4, axis: 0, groupSize: 128 } },
];

console.log(`quantize() incl. copies, ranges, qparams, quantize, dequantize, metrics; median of ${reps}`);
console.log('case                              simd ms   scalar ms   scalar/simd   simd GB/s');
for (const c of cases) {
  const x = tensor(c.shape[0], c.shape[1], 1);
  const times = { simd: [], scalar: [] };
  for (const b of Object.values(builds)) b.quantize(x, c.shape, c.opts);  // warm-up, memory growth
  for (let i = 0; i < reps; i++) {
    for (const [name, b] of Object.entries(builds)) {
      const t0 = performance.now();
      b.quantize(x, c.shape, c.opts);
      times[name].push(performance.now() - t0);
    }
  }
  const s = median(times.simd), k = median(times.scalar);
  const gbs = (x.byteLength / 1e9) / (s / 1000);
  console.log(`${c.name.padEnd(32)} ${s.toFixed(2).padStart(8)} ${k.toFixed(2).padStart(11)} ${(k / s).toFixed(2).padStart(13)} ${gbs.toFixed(2).padStart(11)}`);
}

// "Compare all" on one 4096×4096 tensor, as the page runs it (held tensor, one scheme per call).
if (!process.argv.includes('--no-compare')) {
  const shape = [4096, 4096];
  const x = tensor(shape[0], shape[1], 2);
  console.log(`\ncompare all (default set) on ${shape.join('×')}, one run per build`);
  console.log('build     schemes   total s   slowest scheme');
  for (const [name, b] of Object.entries(builds)) {
    const t0 = performance.now();
    const rows = b.compareSchemes(x, shape);
    const total = (performance.now() - t0) / 1000;
    const slow = rows.reduce((p, q) => (q.milliseconds > p.milliseconds ? q : p));
    console.log(`${name.padEnd(9)} ${String(rows.length).padStart(7)} ${total.toFixed(2).padStart(9)}   ${slow.label} (${slow.milliseconds.toFixed(0)} ms)`);
  }
}
