#!/usr/bin/env node
// GEMM benchmark of issue #5 under Node (`npm run bench`): our kernels (web/lib/qplay.mjs, when
// the wasm build exists) and onnxruntime-web (wasm backend, 1 thread) on the same inputs in the
// same process; prints GOPS median (min) per runner and shape, the ratios, and saves them under
// bench/results/. Not a test: numbers depend on the machine and its load.
//   node scripts/bench_gemm.mjs [--quick] [--shapes 1x784x256,...] [--note TEXT] [--no-save]
// The browser counterpart is scripts/bench_gemm_browser.mjs; both use scripts/bench/*.mjs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseBenchArgs, machineInfo, saveResults, repoRoot } from './bench/bench_node.mjs';
import { runGemmBench, formatMarkdown } from './bench/bench_table.mjs';
import { makeOrtRunners, configureOrt, ortInfo } from './bench/ort_gemm.mjs';
import { makeOurRunners } from './bench/ours_gemm.mjs';

let opts;
try {
  opts = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

// 'onnxruntime-web' resolves to dist/ort.node.min.mjs under Node, which loads
// dist/ort-wasm-simd-threaded.mjs + .wasm from the same folder (the only wasm build of 1.30: SIMD).
const ort = await import('onnxruntime-web');
configureOrt(ort);
const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-web');

let qp = null;
let ours = 'not loaded: web/gen/qp_wasm.mjs is missing (node scripts/build.mjs wasm)';
if (existsSync(path.join(repoRoot, 'web/gen/qp_wasm.mjs'))) {
  const { loadQplay } = await import('../web/lib/qplay.mjs');
  qp = await loadQplay();
  ours = `web/lib/qplay.mjs, ${qp.build} build, kernel tier ${qp.kernelTier}` +
    (typeof qp.prepareMatmul === 'function' ? '' : ' (no GEMM bound: ORT only)');
}

const meta = {
  runtime: 'node', runtimeVersion: process.version, v8: process.versions.v8, ...machineInfo(),
  ort: { ...ortInfo(ort), wasmFile: `${path.relative(repoRoot, path.dirname(ortEntry))}/ort-wasm-simd-threaded.wasm` },
  ours, note: opts.note, quick: opts.quick,
};
const result = await runGemmBench({
  shapes: opts.shapes,
  timing: opts.timing,
  weightBits: opts.weightBits,
  meta,
  makeRunners: async (shape, data) => [...await makeOurRunners(qp, shape, data), ...await makeOrtRunners(ort, shape, data)],
  log: (line) => console.error(line),
  cpuSeconds: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; },
});
console.log(formatMarkdown(result));
if (opts.save) for (const f of saveResults(result)) console.log(`saved ${path.relative(repoRoot, f)}`);
process.exit(result.errors.length || Object.values(result.checks).some((c) => c.failed.length) ? 1 : 0);
