// The page side of `npm run bench:browser`: the same runners, cross-check and timing loop as the
// Node bench (bench_table.mjs, ort_gemm.mjs, ours_gemm.mjs), in the browser's own engine.
// Everything comes from the local server: onnxruntime-web from node_modules (no CDN), ours from
// web/lib + web/gen when built. Progress goes to console.log (the driver echoes it); the result
// object goes to window.__benchResult (or the error to window.__benchError), then __benchDone.
import { runGemmBench, TIMING } from './bench_table.mjs';
import { GEMM_SHAPES, parseShapes } from './gemm_shapes.mjs';
import { makeOrtRunners, configureOrt, ortInfo } from './ort_gemm.mjs';
import { makeOurRunners } from './ours_gemm.mjs';

// ort.wasm.min.mjs: the wasm-only ESM build that loads its .mjs glue and .wasm from wasmPaths
// (the bundled variants would do the same for the .wasm); served from node_modules, so offline.
const ORT_DIST = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url).href;

const logEl = document.getElementById('log');
const log = (line) => {
  console.log(line);
  logEl.textContent += `${line}\n`;
};

async function loadOurs() {
  try {
    const { loadQplay } = await import('../../web/lib/qplay.mjs');
    const qp = await loadQplay();
    const desc = `web/lib/qplay.mjs, ${qp.build} build, kernel tier ${qp.kernelTier}` +
      (typeof qp.prepareMatmul === 'function' ? '' : ' (no GEMM bound: ORT only)');
    return { qp, desc };
  } catch (e) {
    return { qp: null, desc: `not loaded: ${e.message} (node scripts/build.mjs wasm)` };
  }
}

async function main() {
  const params = new URLSearchParams(location.search);
  const quick = params.get('quick') === '1';
  const shapes = params.get('shapes') ? parseShapes(params.get('shapes')) : GEMM_SHAPES;
  const ort = await import(`${ORT_DIST}ort.wasm.min.mjs`);
  configureOrt(ort, { wasmPaths: ORT_DIST });
  const { qp, desc } = await loadOurs();
  const chrome = navigator.userAgent.match(/(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/);
  const meta = {
    runtime: 'chromium', runtimeVersion: chrome?.[1] ?? null, userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated, ort: ortInfo(ort), ours: desc, quick,
  };
  return runGemmBench({
    shapes,
    timing: quick ? TIMING.quick : TIMING.full,
    weightBits: Number(params.get('weights') ?? 8),
    meta,
    makeRunners: async (shape, data) => [...await makeOurRunners(qp, shape, data), ...await makeOrtRunners(ort, shape, data)],
    log,
  });
}

main().then(
  (result) => { window.__benchResult = result; },
  (e) => { window.__benchError = String(e?.stack ?? e); log(`error: ${e?.stack ?? e}`); },
).finally(() => { window.__benchDone = true; });
