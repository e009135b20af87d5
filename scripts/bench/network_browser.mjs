// The page side of scripts/bench_network_browser.mjs: the same benchModel as the Node runner
// (network_bench.mjs) in the browser's engine. The driver has written, under ?dir=, each model's
// <name>.safetensors, <name>.ranges.json (our calibration, computed in Node by the same wasm build)
// and <name>.{float,qdq,qop}.onnx; the page checks that its own calibration gives the same ranges
// (so the ONNX grids are ours) before running. Everything is fetched from the local server.
import { benchModel, ratios } from './network_bench.mjs';
import { configureOrt, ortInfo } from './ort_gemm.mjs';

const ORT_DIST = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url).href;
const ROOT = new URL('../../', import.meta.url).href;

const logEl = document.getElementById('log');
const log = (line) => {
  console.log(line);
  logEl.textContent += `${line}\n`;
};

async function bytes(rel) {
  const res = await fetch(new URL(rel, ROOT));
  if (!res.ok) throw new Error(`${rel}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function main() {
  const q = new URLSearchParams(location.search);
  const dir = q.get('dir');
  const opts = { limit: Number(q.get('limit') ?? Infinity), repeats: Number(q.get('repeats') ?? 3),
    latencyRuns: Number(q.get('latencyRuns') ?? 200), forms: (q.get('forms') ?? 'qdq,qop').split(',') };
  const ort = await import(`${ORT_DIST}ort.wasm.min.mjs`);
  configureOrt(ort, { wasmPaths: ORT_DIST });
  const { loadQplay } = await import('../../web/lib/qplay.mjs');
  const { BUNDLED, CALIBRATION_SAMPLES, idxDataset } = await import('../../web/lib/datasets.mjs');
  const qp = await loadQplay();
  const test = await idxDataset(qp, await bytes(`web/public/${BUNDLED.test.images}`), await bytes(`web/public/${BUNDLED.test.labels}`));
  const calib = await idxDataset(qp, await bytes(`web/public/${BUNDLED.train.images}`), await bytes(`web/public/${BUNDLED.train.labels}`));
  const data = { test, calib, calibrationCount: Math.min(CALIBRATION_SAMPLES, calib.count) };
  const models = [];
  for (const entry of q.get('models').split(',')) {
    const [name, standIn] = entry.split(':');
    const source = { name, file: `${dir}/${name}.safetensors`, standIn: standIn === 'standin', bytes: await bytes(`${dir}/${name}.safetensors`) };
    const expected = JSON.parse(new TextDecoder().decode(await bytes(`${dir}/${name}.ranges.json`))).ranges;
    const onnxFor = async (ranges) => {
      if (JSON.stringify(ranges) !== JSON.stringify(expected))
        throw new Error(`${name}: the page's calibrated ranges ${JSON.stringify(ranges)} differ from Node's ${JSON.stringify(expected)}`);
      const files = {};
      for (const form of ['float', ...opts.forms]) {
        const file = `${name}.${form}.onnx`;
        files[form] = { name: file, bytes: await bytes(`${dir}/${file}`) };
      }
      return files;
    };
    const m = await benchModel({ qp, ort, data, source, onnxFor, opts, log });
    m.ratios = ratios(m);
    models.push(m);
  }
  const chrome = navigator.userAgent.match(/(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/);
  return {
    meta: { runtime: 'chromium', runtimeVersion: chrome?.[1] ?? null, userAgent: navigator.userAgent,
      crossOriginIsolated: self.crossOriginIsolated, ort: ortInfo(ort),
      ours: `web/lib/qplay.mjs, ${qp.build} build, kernel tier ${qp.kernelTier}`, repeats: opts.repeats },
    models,
    ok: models.every((m) => m.rows.every((r) => r.agrees)),
  };
}

main().then(
  (result) => { window.__benchResult = result; },
  (e) => { window.__benchError = String(e?.stack ?? e); log(`error: ${e?.stack ?? e}`); },
).finally(() => { window.__benchDone = true; });
