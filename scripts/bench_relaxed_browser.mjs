#!/usr/bin/env node
// Benchmark (not a test) of the relaxed-SIMD int8 GEMM in headless Chromium, one page:
//   1. the register-only peak loops (scripts/bench_relaxed_peak.wat): the fused relaxed dot, the
//      i16 relaxed dot + extadd form the kernel uses, and SIMD128 dot_i16x8 + add, GOPS, interleaved;
//   2. GEMM GOPS (2·M·N·K per run) of kind 'int8-relaxed' beside 'int8' (SIMD128) and 'int8-ref'
//      (triple loop), kinds interleaved within each repetition, median and best over the
//      repetitions, for weights in [−64, 63] (relaxed: one dot), [−127, 127] (two dots, forced
//      with relaxedTwoDots) and the full int8 range (SIMD128 fallback); uint8 activations;
//   3. the time of a one-micro-kernel matmul (1×16×8) per kind: the cost of calling the WAT kernel
//      through the function table and of the per-call packing.
//   node scripts/bench_relaxed_browser.mjs [--reps 7] [--quick]
// Needs web/gen/ built (node scripts/build.mjs wasm), wat2wasm and node_modules (playwright-core).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchSourcePage } from '../tests/e2e/source_page.mjs';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 7) || 7;
const quick = args.includes('--quick');
const SHAPES = quick ? [[1, 784, 256], [64, 784, 256]] : [[1, 784, 256], [64, 784, 256], [256, 1024, 1024], [1024, 1024, 1024]];
const RANGES = [{ name: '[-64,63]', lo: -64, hi: 63 }, { name: '[-127,127]', lo: -127, hi: 127 }, { name: '[-128,127]', lo: -128, hi: 127 }];
const KINDS = ['int8-relaxed', 'int8', 'int8-ref'];

const src = await launchSourcePage();
try {
  const caps = src.capabilities;
  const env = await src.page.evaluate(() => navigator.userAgent);
  console.log(`Chromium: ${env}\ncapabilities: ${JSON.stringify(caps)}`);
  if (!caps.relaxedInstalled) throw new Error(`relaxed kernel not installed: ${caps.relaxedReason}`);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'qplay-peak-'));
  const peakWasm = path.join(tmp, 'peak.wasm');
  execFileSync('wat2wasm', ['--enable-relaxed-simd', fileURLToPath(new URL('./bench_relaxed_peak.wat', import.meta.url)), '-o', peakWasm]);
  const peakBytes = Array.from(readFileSync(peakWasm));
  rmSync(tmp, { recursive: true, force: true });
  const peak = await src.page.evaluate(async ({ bytes, reps }) => {
    const { instance } = await WebAssembly.instantiate(new Uint8Array(bytes));
    const loops = [['relaxed', 6 * 32], ['relaxed_i16', 6 * 32], ['simd128', 6 * 16]];
    const samples = Object.fromEntries(loops.map(([name]) => [name, []]));
    const n = 1e7;
    // Warm-up: V8 starts wasm in its baseline compiler and has no on-stack replacement, so a loop
    // is timed only after short calls got it optimized (and the background compile had time).
    for (let i = 0; i < 2000; i++) for (const [name] of loops) instance.exports[name](100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let r = 0; r < reps; r++) {
      for (const [name, ops] of loops) {
        const t0 = performance.now();
        instance.exports[name](n);
        samples[name].push((n * ops) / ((performance.now() - t0) * 1e6));
      }
    }
    return Object.fromEntries(Object.entries(samples).map(([k, v]) => {
      v.sort((x, y) => x - y);
      return [k, { median: v[Math.floor(v.length / 2)], max: v[v.length - 1] }];
    }));
  }, { bytes: peakBytes, reps });
  const fmt = (p) => `${p.median.toFixed(1)} (${p.max.toFixed(1)})`;
  console.log(`\nregister-only peak loops, GOPS median (best): i32x4.relaxed_dot_add ${fmt(peak.relaxed)}, ` +
    `i16x8.relaxed_dot + extadd + add ${fmt(peak.relaxed_i16)}, SIMD128 dot_i16x8 + add ${fmt(peak.simd128)}`);
  console.log(`\n| shape M×K×N | weights | kind | path | GOPS median | GOPS best | runs/rep |`);
  console.log('|---|---|---|---|---:|---:|---:|');
  for (const [m, k, n] of SHAPES) {
    for (const range of RANGES) {
      const rows = await src.page.evaluate(async ({ m, k, n, range, reps, kinds }) => {
        const qp = window.qp;
        let seed = 12345;
        const next = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 8; };
        const a = new Uint8Array(m * k).map(() => next() & 255);
        const b = new Int8Array(k * n).map(() => range.lo + (next() % (range.hi - range.lo + 1)));
        // Both ends present in every column, so the weight range is exactly the named one.
        for (let j = 0; j < n; j++) { b[j] = range.lo; if (k > 1) b[n + j] = range.hi; }
        const ops = 2 * m * n * k;
        const plans = kinds.map((kind) => qp.prepareMatmul({ kind, a, b, m, k, n, aZeroPoint: 128, bZeroPoints: [0], relaxedTwoDots: true }));
        // Runs per timing: about 40 ms of work (the reference: one run).
        const times = plans.map((p, i) => {
          const t0 = performance.now();
          p.run(1);
          const dt = performance.now() - t0;
          return kinds[i] === 'int8-ref' ? 1 : Math.max(1, Math.min(2000, Math.round(40 / Math.max(dt, 0.001))));
        });
        await new Promise((resolve) => setTimeout(resolve, 200));  // let V8's optimizing tier finish
        const samples = kinds.map(() => []);
        for (let r = 0; r < reps; r++) {
          plans.forEach((p, i) => {
            if (kinds[i] === 'int8-ref' && ops > 3e8 && r >= 3) return;  // the slow loop: 3 reps at big shapes
            const t0 = performance.now();
            p.run(times[i]);
            samples[i].push((ops * times[i]) / ((performance.now() - t0) * 1e6));
          });
        }
        const out = plans.map((p, i) => {
          const s = samples[i].sort((x, y) => x - y);
          return { kind: kinds[i], variant: p.variant(), median: s[Math.floor(s.length / 2)], max: s[s.length - 1], times: times[i] };
        });
        plans.forEach((p) => p.release());
        return out;
      }, { m, k, n, range, reps, kinds: KINDS });
      for (const r of rows) {
        console.log(`| ${m}×${k}×${n} | ${range.name} | ${r.kind} | ${r.variant} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} | ${r.times} |`);
      }
    }
  }
  // Call overhead: a 1×16×8 matmul is one micro-kernel call plus packing and the fold.
  const perCall = await src.page.evaluate(({ reps }) => {
    const qp = window.qp;
    const a = new Uint8Array(16).fill(3), b = new Int8Array(16 * 8).fill(5);
    return ['int8-relaxed', 'int8'].map((kind) => {
      const p = qp.prepareMatmul({ kind, a, b, m: 1, k: 16, n: 8 });
      const s = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        p.run(200000);
        s.push(((performance.now() - t0) * 1e6) / 200000);
      }
      p.release();
      return { kind, ns: s.sort((x, y) => x - y)[Math.floor(s.length / 2)] };
    });
  }, { reps });
  console.log(`\n1×16×8 (one micro-kernel call per run), ns per run, median: ${perCall.map((r) => `${r.kind} ${r.ns.toFixed(1)}`).join(', ')}`);
} finally {
  await src.close();
}
