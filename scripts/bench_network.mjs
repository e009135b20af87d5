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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineInfo, repoRoot } from './bench/bench_node.mjs';
import { configureOrt, ortInfo } from './bench/ort_gemm.mjs';
import { makeOnnxModels, readBytes, standInNetworkBytes } from './bench/network_models.mjs';
import { argmaxRows, ortRunner, ourRunner } from './bench/network_runners.mjs';

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

const FLOAT_TOLERANCE = 0.001;   // share of differing predictions, float vs float: rounding-order ties
const INT8_TOLERANCE = 0.005;    // int8 vs our static: ORT's float requantization vs our fixed point

function parseArgs(argv) {
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

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

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
function modelSource(qp, name, tmp) {
  if (name.endsWith('.safetensors')) return { name: path.basename(name, '.safetensors'), file: path.resolve(name), standIn: false };
  const bundled = path.join(repoRoot, 'web/public/models', `${name}.safetensors`);
  if (existsSync(bundled)) return { name, file: bundled, standIn: false };
  const file = path.join(tmp, `${name}-standin.safetensors`);
  writeFileSync(file, standInNetworkBytes(qp, name));
  return { name, file, standIn: true };
}

/** All predictions of a runner at batch 256, and (optionally) its logits for a max-difference check. */
async function predictAll(runner, x, count, sample, classes) {
  const preds = new Int32Array(count);
  const logits = new Float32Array(count * classes);
  for (let b = 0; b < count; b += 256) {
    const n = Math.min(256, count - b);
    const y = await runner.logits(x.subarray(b * sample, (b + n) * sample), n);
    logits.set(y.subarray(0, n * classes), b * classes);
    argmaxRows(y, n, classes, preds, b);
  }
  return { preds, logits };
}

function compare(a, b) {
  let differ = 0, maxAbs = 0;
  for (let i = 0; i < a.preds.length; i++) differ += a.preds[i] !== b.preds[i];
  for (let i = 0; i < a.logits.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a.logits[i] - b.logits[i]));
  return { differ, maxAbsLogitDiff: maxAbs };
}

async function benchModel({ qp, ort, data, source, opts, tmp, log }) {
  const { test, calib, calibrationCount } = data;
  const network = qp.loadNetwork(readBytes(source.file), path.basename(source.file));
  const count = Math.min(opts.limit, test.count);
  const sample = test.sample.reduce((p, v) => p * v, 1);
  const inputShape = network.info.input;
  const classes = network.info.classes;
  const ranges = network.calibrate(calib, { count: calibrationCount });
  let files = opts.onnx;
  if (!files) {
    log(`${source.name}: writing the ONNX models (scripts/bench/network_onnx.py)`);
    files = makeOnnxModels({ repoRoot, modelFile: source.file, ranges, outDir: opts.onnxDir ?? tmp, stem: source.name,
      forms: ['float', ...opts.forms] });
  }
  const runners = [
    ourRunner(network, { name: 'ours float32', kind: 'float', options: { mode: 'float' } }),
    ourRunner(network, { name: 'ours static int8', kind: 'static', options: { mode: 'static', bits: 8, ranges } }),
    ourRunner(network, { name: 'ours dynamic int8', kind: 'dynamic', options: { mode: 'dynamic', bits: 8 } }),
  ];
  const ortNames = { float: 'ORT float32', qdq: 'ORT int8 QDQ', qop: 'ORT int8 QOperator' };
  for (const form of ['float', ...opts.forms]) {
    if (!files[form]) continue;
    runners.push(await ortRunner(ort, { name: ortNames[form], kind: form, modelBytes: readBytes(files[form]), inputShape }));
  }
  const x = test.inputs(0, count);
  const labels = test.labels.subarray(0, count);

  // 1. Cross-check: ORT float against ours float, every int8 runner against ours static int8.
  log(`${source.name}: predictions of ${runners.length} runners on ${count} images`);
  const out = new Map();
  for (const r of runners) out.set(r, await predictAll(r, x, count, sample, classes));
  const byKind = (k) => runners.find((r) => r.kind === k);
  const rows = runners.map((r) => {
    const p = out.get(r).preds;
    let correct = 0;
    for (let i = 0; i < count; i++) correct += p[i] === labels[i];
    const ref = r.side === 'ours' ? null : r.kind === 'float' ? byKind('float') : byKind('static');
    const check = ref ? { against: ref.name, ...compare(out.get(r), out.get(ref)) } : null;
    const tolerance = ref ? Math.ceil((r.kind === 'float' ? FLOAT_TOLERANCE : INT8_TOLERANCE) * count) : null;
    const agrees = !check || check.differ <= tolerance;
    return { runner: r, name: r.name, side: r.side, kind: r.kind, modelBytes: r.modelBytes, accuracy: correct / count,
      check: check && { ...check, tolerance, agrees }, agrees, imagesPerSecond: null, passSeconds: [], batch1MedianUs: null, batch1Us: [] };
  });
  // ours dynamic vs ours float, for information (different numerics, no tolerance).
  const dyn = rows.find((r) => r.kind === 'dynamic');
  dyn.check = { against: 'ours float32', ...compare(out.get(dyn.runner), out.get(byKind('float'))), tolerance: null, agrees: true };
  out.clear();
  const timed = rows.filter((r) => r.agrees);
  for (const r of rows) if (!r.agrees) log(`${source.name}: ${r.name} DISAGREES with ${r.check.against}: ${r.check.differ} predictions differ (tolerance ${r.check.tolerance}); not timed`);

  // 2. Throughput at batch 256 over the whole set, best of R, runners interleaved per repeat.
  const batches = [];
  for (let b = 0; b < count; b += 256) batches.push([x.subarray(b * sample, Math.min(b + 256, count) * sample), Math.min(256, count - b)]);
  const prepared = new Map(timed.map((r) => [r, batches.map(([v, n]) => r.runner.prepare(v, n))]));
  for (const r of timed) await r.runner.runPrepared(prepared.get(r)[0]);  // warm-up
  for (let rep = 0; rep < opts.repeats; rep++) {
    for (const r of timed) {
      const t0 = performance.now();
      for (const t of prepared.get(r)) await r.runner.runPrepared(t);
      r.passSeconds.push((performance.now() - t0) / 1e3);
    }
    log(`${source.name}: throughput pass ${rep + 1}/${opts.repeats}`);
  }
  for (const r of timed) r.imagesPerSecond = count / Math.min(...r.passSeconds);

  // 3. Batch-1 latency: image i through every runner in turn, median per runner.
  const runs = Math.min(opts.latencyRuns, count);
  const singles = Array.from({ length: runs }, (_, i) => x.subarray(i * sample, (i + 1) * sample));
  const prepared1 = new Map(timed.map((r) => [r, singles.map((v) => r.runner.prepare(v, 1))]));
  for (const r of timed) for (let i = 0; i < Math.min(5, runs); i++) await r.runner.runPrepared(prepared1.get(r)[i]);
  for (let i = 0; i < runs; i++) {
    for (const r of timed) {
      const t0 = performance.now();
      await r.runner.runPrepared(prepared1.get(r)[i]);
      r.batch1Us.push((performance.now() - t0) * 1e3);
    }
  }
  for (const r of timed) r.batch1MedianUs = median(r.batch1Us);
  for (const r of runners) await r.dispose();
  network.release();
  return { model: source.name, file: path.relative(repoRoot, source.file), standIn: source.standIn, count,
    latencyRuns: runs, ranges, onnx: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, path.basename(v)])),
    rows: rows.map(({ runner, batch1Us, ...r }) => r) };
}

/** The ratios the issue sets targets for (throughput at 256: a/b; latency at 1: b/a). */
export function ratios(m) {
  const row = (name) => m.rows.find((r) => r.name === name && r.imagesPerSecond !== null);
  const bestOrtInt8 = m.rows.filter((r) => r.side === 'ort' && r.kind !== 'float' && r.imagesPerSecond !== null)
    .sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
  const bestOrtInt8Latency = m.rows.filter((r) => r.side === 'ort' && r.kind !== 'float' && r.batch1MedianUs !== null)
    .sort((a, b) => a.batch1MedianUs - b.batch1MedianUs)[0];
  const pair = (a, b, bLat = b) => ({
    throughput: a && b ? a.imagesPerSecond / b.imagesPerSecond : null,
    latency: a && bLat ? bLat.batch1MedianUs / a.batch1MedianUs : null,
    vs: [a?.name ?? null, b?.name ?? null, bLat?.name ?? null],
  });
  return {
    oursInt8OverOursFloat: pair(row('ours static int8'), row('ours float32')),
    oursInt8OverOrtInt8: pair(row('ours static int8'), bestOrtInt8, bestOrtInt8Latency),
    oursFloatOverOrtFloat: pair(row('ours float32'), row('ORT float32')),
    oursDynamicOverOursFloat: pair(row('ours dynamic int8'), row('ours float32')),
  };
}

const fmt = (v, d = 2) => (v === null || v === undefined ? '–' : v.toFixed(d));
const times = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

export function formatMarkdown(result) {
  const { meta } = result;
  const lines = [`# Network benchmark (issue #6), ${meta.runtime} ${meta.runtimeVersion}, ${meta.date}`, '',
    `CPU: ${meta.cpu} (${meta.cores} cores${meta.cpuDetail ? `; ${meta.cpuDetail}` : ''}). ` +
    `ORT: onnxruntime-web ${meta.ort.version}, ${meta.ort.backend}, ${meta.ort.numThreads} thread. Ours: ${meta.ours}.`,
    `Load average (1, 5, 15 min): before ${meta.loadBefore.map((v) => v.toFixed(2)).join(' ')}, ` +
    `after ${meta.loadAfter.map((v) => v.toFixed(2)).join(' ')}.` + (meta.quick ? ' **--quick: rough numbers.**' : ''),
    ...(meta.note ? [`Note: ${meta.note}`] : []), ''];
  for (const m of result.models) {
    lines.push(`## ${m.model}${m.standIn ? ' (stand-in: random weights, accuracy meaningless)' : ''}: ${m.count} test images, ` +
      `batch 256 best of ${meta.repeats}, batch-1 median of ${m.latencyRuns}`, '',
    '| runner | accuracy | differing predictions (vs) | img/s @256 | batch-1 µs (median) |', '|---|---:|---|---:|---:|');
    for (const r of m.rows) {
      const check = r.check ? `${r.check.differ} vs ${r.check.against}${r.check.tolerance !== null ? ` (tol. ${r.check.tolerance})` : ''}` +
        (r.check.agrees ? '' : ' **DISAGREES: not timed**') : '–';
      lines.push(`| ${r.name} | ${(100 * r.accuracy).toFixed(2)}% | ${check} | ${fmt(r.imagesPerSecond, 0)} | ${fmt(r.batch1MedianUs, 1)} |`);
    }
    const q = m.ratios;
    lines.push('', '| ratio | batch 256 (throughput) | batch 1 (latency) | target |', '|---|---:|---:|---|',
      `| ours int8 / ours float | ${times(q.oursInt8OverOursFloat.throughput)} | ${times(q.oursInt8OverOursFloat.latency)} | ≥ 2× |`,
      `| ours int8 / ORT int8 (best form: ${q.oursInt8OverOrtInt8.vs[1] ?? '–'} / ${q.oursInt8OverOrtInt8.vs[2] ?? '–'}) | ` +
      `${times(q.oursInt8OverOrtInt8.throughput)} | ${times(q.oursInt8OverOrtInt8.latency)} | ≥ 1.5× |`,
      `| ours float / ORT float | ${times(q.oursFloatOverOrtFloat.throughput)} | ${times(q.oursFloatOverOrtFloat.latency)} | – |`,
      `| ours dynamic int8 / ours float | ${times(q.oursDynamicOverOursFloat.throughput)} | ${times(q.oursDynamicOverOursFloat.latency)} | – |`, '');
  }
  return `${lines.join('\n')}\n`;
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
    const source = modelSource(qp, name, tmp);
    const m = await benchModel({ qp, ort, data, source, opts, tmp, log });
    m.ratios = ratios(m);
    models.push(m);
  }
  const { loadAverage, ...machine } = machineInfo();
  const result = {
    meta: { runtime: 'node', runtimeVersion: process.version, v8: process.versions.v8, date, ...machine,
      loadBefore, loadAfter: os.loadavg(), ort: ortInfo(ort), ours: `web/lib/qplay.mjs, ${qp.build} build, kernel tier ${qp.kernelTier}`,
      repeats: opts.repeats, quick: opts.quick, note: opts.note, tolerances: { float: FLOAT_TOLERANCE, int8: INT8_TOLERANCE } },
    models,
  };
  result.ok = models.every((m) => m.rows.every((r) => r.agrees));
  data.test.release();
  data.calib.release();
  if (opts.save) {
    const dir = path.join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `network-node-${date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}`);
    writeFileSync(`${base}.md`, formatMarkdown(result));
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
    result.saved = [`${base}.md`, `${base}.json`];
  }
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
