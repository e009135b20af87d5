#!/usr/bin/env node
// Network benchmark of issue #6 under Node (`npm run bench:network`): in one process, on the
// Fashion-MNIST test images, for each model: our engines (float32, static int8, dynamic int8) and
// onnxruntime-web 1.30 (wasm, 1 thread) running the float model exported to ONNX and the same model
// quantized by ONNX Runtime's static recipe (QDQ graph, fused by ORT at load; and the QOperator
// form), all with the activation ranges our core calibrated (scripts/bench/network_onnx.py).
// Predictions are cross-checked first (a runner that disagrees beyond the tolerance is reported
// and not timed); then batch-256 throughput over the whole set (best of 3, runners interleaved) and
// batch-1 latency (median over ≥ 200 images, runners interleaved image by image). The table and
// the ratios are printed and saved under bench/results/network-node-<date>.{md,json}, with the load
// average before and after. Not a test: figures depend on the machine and its load.
//
//   node scripts/bench_network.mjs [--quick] [--models mlp,cnn|FILE.safetensors,...] [--limit N]
//     [--repeats R] [--latency-runs L] [--forms qdq,qop] [--onnx FORM=FILE,...] [--onnx-dir DIR]
//     [--note TEXT] [--no-save] [--json]
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineInfo, repoRoot } from './bench/bench_node.mjs';
import { configureOrt, ortInfo } from './bench/ort_gemm.mjs';
import { makeOnnxModels, readBytes, standInNetworkBytes } from './bench/network_models.mjs';
import { FLOAT_TOLERANCE, INT8_TOLERANCE, benchModel, formatMarkdown, ratios } from './bench/network_bench.mjs';

export { formatMarkdown };

const USAGE = `usage: node scripts/bench_network.mjs [options]
  --quick             first 512 test images, 1 repeat, 20 batch-1 runs (a smoke run; rough numbers)
  --models LIST       mlp,cnn (default; the bundled models, or a random-weight stand-in when
                      web/public/models/NAME.safetensors is missing) or .safetensors files
  --limit N           only the first N test images (default all 10 000)
  --repeats R         passes over the set per runner at batch 256, best kept (default 3)
  --latency-runs L    batch-1 runs per runner, median kept (default 200)
  --forms LIST        ORT int8 forms: qdq (quantize_static's QDQ graph), qop (QOperator) (default both)
  --onnx FORM=FILE,…  use these ONNX files (float, qdq, qop) instead of generating them (one model only)
  --onnx-dir DIR      where the generated ONNX files go (default: a fresh temp folder)
  --note TEXT         saved with the results
  --no-save           print only
  --json              print the result as JSON instead of markdown`;


export function parseArgs(argv) {
  const o = { quick: false, models: ['mlp', 'cnn'], limit: null, repeats: null, latencyRuns: null,
    forms: ['qdq', 'qop'], onnx: null, onnxDir: null, note: null, save: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const count = (name) => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} needs a positive integer, got '${v}'`);
      return Number(v);
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--models') o.models = value().split(',');
    else if (a === '--limit') o.limit = count(a);
    else if (a === '--repeats') o.repeats = count(a);
    else if (a === '--latency-runs') o.latencyRuns = count(a);
    else if (a === '--forms') o.forms = value().split(',');
    else if (a === '--onnx') o.onnx = Object.fromEntries(value().split(',').map((kv) => kv.split('=')));
    else if (a === '--onnx-dir') o.onnxDir = value();
    else if (a === '--note') o.note = value();
    else if (a === '--no-save') o.save = false;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option '${a}'\n${USAGE}`);
  }
  for (const f of o.forms) if (!['qdq', 'qop'].includes(f)) throw new Error(`unknown ORT form '${f}': qdq, qop`);
  if (o.onnx && o.models.length !== 1) throw new Error('--onnx gives the files of one model: pass one --models entry');
  o.limit ??= o.quick ? 512 : Infinity;
  o.repeats ??= o.quick ? 1 : 3;
  o.latencyRuns ??= o.quick ? 20 : 200;
  return o;
}


async function loadData(qp) {
  const { BUNDLED, CALIBRATION_SAMPLES, idxDataset } = await import('../web/lib/datasets.mjs');
  const file = (rel) => {
    const local = path.join(repoRoot, 'web/public', rel);
    if (!existsSync(local)) throw new Error(`${local} is missing: run node scripts/make_fmnist_assets.mjs`);
    return readBytes(local);
  };
  const test = await idxDataset(qp, file(BUNDLED.test.images), file(BUNDLED.test.labels));
  const calib = await idxDataset(qp, file(BUNDLED.train.images), file(BUNDLED.train.labels));
  return { test, calib, calibrationCount: Math.min(CALIBRATION_SAMPLES, calib.count) };
}

/** The model file: a path, the bundled model, or a stand-in written into `tmp`. */
export function modelSource(qp, name, tmp, train = null) {
  const withBytes = (s) => ({ ...s, bytes: readBytes(s.path), file: path.relative(repoRoot, s.path) });
  if (name.endsWith('.safetensors')) return withBytes({ name: path.basename(name, '.safetensors'), path: path.resolve(name), standIn: false });
  const bundled = path.join(repoRoot, 'web/public/models', `${name}.safetensors`);
  if (existsSync(bundled)) return withBytes({ name, path: bundled, standIn: false });
  const file = path.join(tmp, `${name}-standin.safetensors`);
  writeFileSync(file, standInNetworkBytes(qp, name, { train }));
  return withBytes({ name, path: file, standIn: true });
}

/** onnxFor(ranges) of benchModel: the --onnx files, else network_onnx.py's output in `dir`. */
export function onnxMaker(source, opts, dir, log) {
  return async (ranges) => {
    let files = opts.onnx;
    if (!files) {
      log(`${source.name}: writing the ONNX models (scripts/bench/network_onnx.py)`);
      files = makeOnnxModels({ repoRoot, modelFile: source.path, ranges, outDir: dir, stem: source.name, forms: ['float', ...opts.forms] });
    }
    return Object.fromEntries(Object.entries(files).map(([form, f]) => [form, { name: path.basename(f), path: f, bytes: readBytes(f) }]));
  };
}

/** Writes bench/results/network-<runtime>-<date>.{md,json}; returns the two paths. */
export function saveNetworkResults(result) {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `network-${result.meta.runtime}-${result.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}`);
  writeFileSync(`${base}.md`, formatMarkdown(result));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  return [`${base}.md`, `${base}.json`];
}

// CPU time this process got per wall-clock second during the batch-256 passes: about 1 on an idle
// machine (one busy thread), lower when other jobs take the cores.
function cpuShare(models) {
  let cpu = 0, wall = 0;
  for (const m of models) for (const r of m.rows) { cpu += r.passCpuSeconds.reduce((a, b) => a + b, 0); wall += r.passSeconds.reduce((a, b) => a + b, 0); }
  return wall > 0 ? cpu / wall : null;
}

export async function runNetworkBench(argv, { log = (l) => console.error(l) } = {}) {
  const opts = parseArgs(argv);
  const ort = await import('onnxruntime-web');
  configureOrt(ort);
  const { loadQplay } = await import('../web/lib/qplay.mjs');
  const qp = await loadQplay();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'qp-bench-network-'));
  const data = await loadData(qp);
  const loadBefore = os.loadavg();
  const date = new Date().toISOString();
  const models = [];
  for (const name of opts.models) {
    const source = modelSource(qp, name, tmp, data.calib);
    const m = await benchModel({ qp, ort, data, source, onnxFor: onnxMaker(source, opts, opts.onnxDir ?? tmp, log), opts, log,
      cpuSeconds: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } });
    m.ratios = ratios(m);
    models.push(m);
  }
  const { loadAverage, ...machine } = machineInfo();
  const result = {
    meta: { runtime: 'node', runtimeVersion: process.version, v8: process.versions.v8, date, ...machine,
      loadBefore, loadAfter: os.loadavg(), cpuShare: cpuShare(models), ort: ortInfo(ort), ours: `web/lib/qplay.mjs, ${qp.build} build, kernel tier ${qp.kernelTier}`,
      repeats: opts.repeats, quick: opts.quick, note: opts.note, tolerances: { float: FLOAT_TOLERANCE, int8: INT8_TOLERANCE } },
    models,
  };
  result.ok = models.every((m) => m.rows.every((r) => r.agrees));
  data.test.release();
  data.calib.release();
  if (opts.save) result.saved = saveNetworkResults(result);
  return { result, opts };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let run;
  try {
    run = await runNetworkBench(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { result, opts } = run;
  console.log(opts.json ? JSON.stringify(result, null, 1) : formatMarkdown(result));
  for (const f of result.saved ?? []) console.log(`saved ${path.relative(repoRoot, f)}`);
  process.exit(result.ok ? 0 : 1);
}
