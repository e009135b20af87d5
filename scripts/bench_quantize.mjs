#!/usr/bin/env node
// Benchmark: the SIMD and scalar WebAssembly builds side by side in one process, on the same
// tensors, interleaved so machine noise hits both. Prints a table of medians and the ratio.
// Not a test: numbers depend on the machine. Run: node scripts/bench_quantize.mjs [--reps 15] [--no-compare]
// [--no-kernels]
import { loadQplay } from '../web/lib/qplay.mjs';
import { rng } from '../web/app/tensors.mjs';

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The kernels alone first (reference tier beside the dispatched tier, GB/s), from the C++ benchmark
// (scripts/bench_kernels.cpp), which the default build leaves out: built here on demand.
if (!process.argv.includes('--no-kernels')) {
  if (existsSync(new URL('../build/wasm/CMakeCache.txt', import.meta.url)))
    spawnSync('cmake', ['--build', 'build/wasm', '--target', 'qp_bench', 'qp_bench_scalar'],
      { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
  for (const exe of ['build/wasm/qp_bench.cjs', 'build/wasm/qp_bench_scalar.cjs']) {
    const file = new URL(`../${exe}`, import.meta.url);
    if (existsSync(file)) spawnSync(process.execPath, [file.pathname], { stdio: 'inherit' });
    else console.log(`(${exe} not built: node scripts/build.mjs wasm first)`);
    console.log('');
  }
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
  { name: '4096×4096 8-bit per tensor', shape: [4096, 4096], opts: { bits: 8 }, reps: 5 },
  { name: '4096×4096 8-bit sym axis 0', shape: [4096, 4096], opts: { bits: 8, scheme: 'symmetric', axis: 0 }, reps: 5 },
  { name: '4096×4096 4-bit g32 axis 1', shape: [4096, 4096], opts: { bits: 4, axis: 1, groupSize: 32 }, reps: 5 },
];

// The floor of any call that hands back new arrays: allocating and writing a fresh Float32Array
// and Int8Array of n elements in plain JS (no wasm). Where first touching new memory is slow (this
// microVM: page faults of several microseconds each), this alone can exceed the quantization.
function freshArraysMs(n, times) {
  const t = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    new Float32Array(n).fill(1);
    new Int8Array(n).fill(1);
    t.push(performance.now() - t0);
  }
  return median(t);
}

// "fresh": quantize() returning new arrays (the default); "into": the caller's arrays, reused
// across calls (quantize's 4th argument), which leaves out the fresh-memory cost.
console.log(`quantize() incl. copies, ranges, qparams, quantize, dequantize, metrics; median of ${reps} (5 on 4096×4096)`);
console.log('case                            simd ms fresh   simd ms into   scalar ms   scalar/simd   GB/s fresh   GB/s into   fresh arrays alone ms');
for (const c of cases) {
  const x = tensor(c.shape[0], c.shape[1], 1);
  const n = x.length;
  const outputs = Object.fromEntries(Object.entries(builds).map(([k, b]) => {
    const signed = b.quantize(x, c.shape, c.opts).signed;  // warm-up, memory growth
    return [k, { codes: signed ? new Int8Array(n) : new Uint8Array(n), dequantized: new Float32Array(n) }];
  }));
  const times = { simd: [], into: [], scalar: [] };
  const r = c.reps ?? reps;
  for (let i = 0; i < r; i++) {
    for (const [name, b] of Object.entries(builds)) {
      const t0 = performance.now();
      b.quantize(x, c.shape, c.opts);
      times[name].push(performance.now() - t0);
    }
    const t0 = performance.now();
    builds.simd.quantize(x, c.shape, c.opts, outputs.simd);
    times.into.push(performance.now() - t0);
  }
  const s = median(times.simd), k = median(times.scalar), into = median(times.into);
  const gbs = (ms) => (x.byteLength / 1e9) / (ms / 1000);
  console.log(`${c.name.padEnd(30)} ${s.toFixed(2).padStart(15)} ${into.toFixed(2).padStart(14)} ${k.toFixed(2).padStart(11)} ${(k / s).toFixed(2).padStart(13)} ${gbs(s).toFixed(2).padStart(12)} ${gbs(into).toFixed(2).padStart(11)} ${freshArraysMs(n, r).toFixed(2).padStart(23)}`);
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
