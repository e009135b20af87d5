// The Network tab's side of the Worker: one network, its test data and the calibration data live
// here (as core handles), the page only renders. Requests (routed by worker.mjs, types 'net*'):
//
//   → {type: 'netOpen', model, urls}          a bundled model (fetched here) and, on first use, the
//                                             bundled test and calibration sets; urls: {model,
//                                             testImages, testLabels, trainImages, trainLabels}
//   → {type: 'netOpenFile', files: File[]}    the user's network: ONNX (with its external data files)
//                                             or a state dict (.safetensors, .pt/.pth, .npz)
//   → {type: 'netOpenData', files: File[]}    the user's test data: one .npz (inputs + labels), a .npy
//                                             pair or an IDX pair (gzipped or not), read by the core;
//     or {type: 'netOpenData', urls}           back to the bundled test set
//        ← {network, data, build}             what is loaded now (a refused file changes nothing)
//   → {type: 'netEvaluate', modes, calibration, limit, timingRuns}   a job: ← progress {row} as each
//        mode finishes (network_eval.mjs evaluateModes, one mode at a time), then {rows, count}
//   → {type: 'netCurve', calibration, limit, qatSteps}  a job: accuracy against bit width
//        (network_sweeps.mjs); qatSteps > 0 adds the QAT curve (one fine-tuning per bit width)
//   → {type: 'netSensitivity', bits, calibration, limit}   a job: the sensitivity report
//   → {type: 'netQat', bits, steps, learningRate, limit, timingRuns, label}   a job (when the core has
//        QAT: describe().network.qat): ← progress {losses, from} per chunk of minibatches, then
//        {row}: the fine-tuned network run by the static engine with the ranges QAT observed
//   → {type: 'netImages', indices}            ← {images: Float32Array (indices × sample), sample, labels}
//   → {type: 'netLabels', count}              ← {labels: Int32Array}: of the first count test images
//   → {type: 'netPad', input, modes, calibration}   ← {predictions: [{label, logits}]}: the drawing
//        pad's image through every mode; engines stay prepared until the settings, the network
//        or the data change, or the page sends {type: 'netRelease'} (tab closed)
import { CALIBRATION_SAMPLES, idxDataset } from '../lib/datasets.mjs';
import { sourceFromFile } from '../lib/sources.mjs';
import { evaluateModes, usesGptq } from '../lib/network_eval.mjs';
import { CURVE_MODES, CURVE_QAT_MODE, bitWidthCurve, sensitivityReport, weightedLayers } from '../lib/network_sweeps.mjs';
import { runCancellable } from './worker_jobs.mjs';

const state = {
  network: null,        // {handle, name, source, serial}
  bundledTest: null,    // DatasetHandle, kept across model changes
  bundledTrain: null,
  test: null,           // {handle, name, bundled}
  ranges: new Map(),    // calibration -> ranges, for the current network and data
  hessians: null,       // GPTQ's H per weighted layer, for the current network and data
  pad: null,            // {key, engines: [{label, engine}]}
  qat: null,            // the last QAT run's network for the pad: {network, ranges, bits, label, serial}
  jobs: 0,              // jobs running: loading another network or data waits for them
};
let serial = 0;

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}


/** Handles one 'net*' request; resolves with the reply's fields. */
export async function networkRequest(qp, msg, post) {
  switch (msg.type) {
    case 'netOpen': return openBundled(qp, msg);
    case 'netOpenFile': return openNetworkFile(qp, msg);
    case 'netOpenData': return openData(qp, msg);
    case 'netEvaluate': return job(msg, post, (tick) => evaluate(qp, msg, post, tick));
    case 'netCurve': return job(msg, post, (tick) => curve(qp, msg, tick));
    case 'netSensitivity': return job(msg, post, (tick) => sensitivity(qp, msg, tick));
    case 'netQat': return job(msg, post, (tick) => qat(qp, msg, post, tick));
    case 'netImages': return images(msg);
    case 'netLabels': return { labels: current().test.labels.slice(0, msg.count) };
    case 'netPad': return padPredict(qp, msg);
    case 'netRelease': releasePad(); return {};
    default: throw new Error(`unknown request type '${msg.type}'`);
  }
}

// ---- loading -------------------------------------------------------------------------------

async function fetchBytes(url, what) {
  const response = await fetch(url);
  if (!response.ok) throw userError(`the bundled ${what} (${new URL(url).pathname.split('/').pop()}) is missing: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function describe(qp) {
  const n = state.network, t = state.test;
  return {
    build: qp.build,
    network: n && { ...n.handle.info, source: n.source, serial: n.serial, weighted: weightedLayers(n.handle),
      warnings: n.handle.warnings ?? [],
      qat: typeof n.handle.startQat === 'function' },
    data: t && { name: t.name, count: t.handle.count, sample: t.handle.sample, bundled: t.bundled },
  };
}

function refuseDuringJob() {
  if (state.jobs > 0) throw userError('an evaluation is running: wait for it or cancel it first');
}

/** Makes `handle` the current network (the previous one is released only now, after it loaded). */
function setNetwork(handle, source) {
  releasePad();
  releaseQat();
  state.network?.handle.release();
  state.network = { handle, name: handle.info.name, source, serial: ++serial };
  state.ranges.clear();
  state.hessians = null;
}

async function loadBundledData(qp, urls) {
  if (!state.bundledTest) {
    state.bundledTest = await idxDataset(qp, await fetchBytes(urls.testImages, 'test images'),
      await fetchBytes(urls.testLabels, 'test labels'));
  }
  if (!state.bundledTrain) {
    state.bundledTrain = await idxDataset(qp, await fetchBytes(urls.trainImages, 'training images'),
      await fetchBytes(urls.trainLabels, 'training labels'));
  }
}

async function openBundled(qp, { model, urls }) {
  refuseDuringJob();
  const bytes = await fetchBytes(urls.model, `${model} model`);
  await loadBundledData(qp, urls);
  setNetwork(qp.loadNetwork(bytes, `${model}.safetensors`), 'bundled');
  if (!state.test) state.test = { handle: state.bundledTest, name: 'Fashion-MNIST test set', bundled: true };
  return describe(qp);
}

/** The network file goes first; the others are its external data (ONNX). */
const NETWORK_FILE = /\.(onnx|safetensors|pt|pth|npz)$/i;

async function openNetworkFile(qp, { files }) {
  refuseDuringJob();
  const list = [...files];
  const main = list.find((f) => /\.onnx$/i.test(f.name)) ?? list.find((f) => NETWORK_FILE.test(f.name)) ?? list[0];
  const ordered = [main, ...list.filter((f) => f !== main)];
  let handle;
  try {
    handle = qp.loadNetwork(ordered.map(sourceFromFile));
  } catch (e) {
    // A core without the ONNX importer reads an .onnx file as a state dict and finds no weights:
    // say what is missing rather than show that complaint.
    if (/\.onnx$/i.test(main.name) && /state dict/.test(e.message)) {
      throw userError(`${main.name}: ONNX networks cannot be loaded by this build. ` +
        `Save the weights as a state dict (.safetensors, .pt/.pth or .npz) instead. The core said: ${e.message}`);
    }
    throw e;
  }
  setNetwork(handle, 'file');
  return describe(qp);
}

/** The test set in use becomes `test` (the user's previous data is released). */
function setTest(test) {
  releasePad();
  if (state.test && !state.test.bundled && state.test.handle !== test.handle) state.test.handle.release();
  state.test = test;
  state.ranges.clear();
  state.hessians = null;
}

async function openData(qp, { files, urls }) {
  refuseDuringJob();
  if (urls) {
    await loadBundledData(qp, urls);
    setTest({ handle: state.bundledTest, name: 'Fashion-MNIST test set', bundled: true });
    return describe(qp);
  }
  const handle = qp.datasetFromFiles([...files].map(sourceFromFile), state.network?.handle.info.input ?? null);
  setTest({ handle, name: [...files].map((f) => f.name).join(' + '), bundled: false });
  return describe(qp);
}

// ---- evaluation ----------------------------------------------------------------------------

function current() {
  if (!state.network) throw userError('no network is loaded');
  if (!state.test) throw userError('no test data is loaded');
  return { net: state.network.handle, test: state.test.handle };
}

const sameShape = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Static PTQ ranges for the current network, from the first CALIBRATION_SAMPLES of the bundled
 * training subset (as `qplay eval` does), or of the test data when the network takes another input.
 */
function rangesFor(calibration) {
  const { net, test } = current();
  if (!state.ranges.has(calibration)) {
    const train = state.bundledTrain && sameShape(state.bundledTrain.sample, net.info.input) ? state.bundledTrain : test;
    state.ranges.set(calibration, net.calibrate(train, { calibration, count: Math.min(CALIBRATION_SAMPLES, train.count) }));
  }
  return state.ranges.get(calibration);
}

async function job(msg, post, body) {
  current();
  state.jobs++;
  try {
    return await runCancellable(msg.id, post, body);
  } finally {
    state.jobs--;
  }
}

/** GPTQ's H of every weighted layer, from the same calibration images as rangesFor. */
function hessiansFor() {
  const { net, test } = current();
  if (!state.hessians) {
    const train = state.bundledTrain && sameShape(state.bundledTrain.sample, net.info.input) ? state.bundledTrain : test;
    state.hessians = net.inputHessians(train, { count: Math.min(CALIBRATION_SAMPLES, train.count) });
  }
  return state.hessians;
}

/** One evaluateModes call per mode, so each row reaches the page as soon as it is measured. */
async function evaluate(qp, { id, modes, calibration = 'minmax', limit, timingRuns = 200 }, post, tick) {
  const { net, test } = current();
  const count = Math.min(limit ?? test.count, test.count);
  const ranges = modes.some((m) => m.mode === 'static') ? rangesFor(calibration) : null;
  const total = modes.length * count;
  const rows = [];
  for (const [i, m] of modes.entries()) {
    // Our ranges and H win over evaluateModes' own calibration (m.ranges, m.hessians), which then runs on 1 sample.
    const out = await evaluateModes(qp, net, test, {
      modes: [{ ...m, ranges: m.mode === 'static' ? ranges : undefined, hessians: usesGptq(m) ? hessiansFor() : undefined }],
      calibrationData: test, calibrationCount: 1,
      limit: count, timingRuns, tick: (done, _, fields) => tick(i * count + Math.min(done, count), total, fields),
    });
    const { ranges: _r, hessians: _h, ...row } = out.rows[0];
    const base = rows.find((r) => r.mode === 'float');
    row.index = i;
    row.deltaPp = base ? 100 * (row.accuracy - base.accuracy) : m.mode === 'float' ? 0 : null;
    rows.push(row);
    post({ id, type: 'progress', done: (i + 1) * count, total, name: m.label, row });
  }
  return { rows: rows.map(({ predictions, ...r }) => r), count, build: qp.build };
}

async function curve(qp, { calibration = 'minmax', limit, qatSteps = 0 }, tick) {
  const { net, test } = current();
  const modes = [...CURVE_MODES];
  if (qatSteps > 0) {
    qatTrainData(net);
    modes.push({ ...CURVE_QAT_MODE, steps: qatSteps });
  }
  return bitWidthCurve(qp, net, test, { modes, ranges: rangesFor(calibration), trainData: state.bundledTrain,
    limit: limit ?? test.count, tick });
}

/** QAT trains on the bundled training images: refuses a network they do not fit. */
function qatTrainData(net) {
  if (typeof net.startQat !== 'function') throw userError('quantization-aware training is not in this build yet');
  const train = state.bundledTrain;
  if (!train || !sameShape(train.sample, net.info.input)) {
    throw userError(`QAT trains on the bundled Fashion-MNIST training images (1 × 28 × 28), which do not fit this network's ` +
      `input (${net.info.input.join(' × ')})`);
  }
  return train;
}

async function sensitivity(qp, { bits = 8, calibration = 'minmax', limit }, tick) {
  const { net, test } = current();
  return sensitivityReport(qp, net, test, { bits, ranges: rangesFor(calibration), limit: limit ?? test.count, tick });
}

/**
 * Quantization-aware training as `qplay eval --mode qat` runs it (network_eval.mjs runQat through
 * evaluateModes: the bundled 5000 training images, minibatches of 64, the trainer's defaults),
 * then the static integer engine on the test data. Each minibatch's loss reaches the page with the
 * next progress message.
 */
async function qat(qp, { id, bits = 8, steps, learningRate = 1e-4, limit, timingRuns = 200, label }, post, tick) {
  const { net, test } = current();
  const train = qatTrainData(net);
  const losses = [];
  let posted = 0;
  const flush = (total) => {
    if (posted === losses.length) return;
    post({ id, type: 'progress', done: losses.length, total, name: 'training', losses: losses.slice(posted), from: posted });
    posted = losses.length;
  };
  const count = Math.min(limit ?? test.count, test.count);
  const out = await evaluateModes(qp, net, test, {
    modes: [{ label, mode: 'qat', bits, granularity: 'channel', steps, learningRate, keepTuned: true,
      onLoss: (_, loss) => losses.push(loss) }],
    calibrationData: train, calibrationCount: 1, limit: count, timingRuns,
    tick: (done, total, fields) => {
      if (fields.qatSteps !== undefined) {
        flush(fields.qatSteps);
        return tick(fields.qatStep, fields.qatSteps, { name: 'training' });
      }
      flush(losses.length);
      return tick(done, total, { ...fields, name: 'evaluating' });
    },
  });
  flush(losses.length);
  const { deltaPp, onLoss, tuned, ...row } = out.rows[0];  // the callback cannot be posted
  // The fine-tuned network joins the drawing pad's modes (until the next QAT run or network).
  releaseQat();
  releasePad();
  state.qat = { ...tuned, bits, label, serial: state.network.serial };
  return { row, count, steps: losses.length };
}

function images({ indices }) {
  const { test } = current();
  const size = test.sample.reduce((a, b) => a * b, 1);
  const out = new Float32Array(indices.length * size);
  indices.forEach((i, k) => out.set(test.inputs(i, 1), k * size));
  return { images: out, sample: test.sample, labels: Int32Array.from(indices, (i) => test.labels[i] ?? -1) };
}

// ---- drawing pad ---------------------------------------------------------------------------

function releaseQat() {
  state.qat?.network.release();
  state.qat = null;
}

function releasePad() {
  for (const { engine } of state.pad?.engines ?? []) engine.release();
  state.pad = null;
}

function padPredict(qp, { input, modes, calibration = 'minmax' }) {
  const { net } = current();
  const qat = state.qat?.serial === state.network.serial ? state.qat : null;
  const key = JSON.stringify([state.network.serial, state.test.name, modes, calibration, qat?.label]);
  if (state.pad?.key !== key) {
    releasePad();
    const ranges = modes.some((m) => m.mode === 'static') ? rangesFor(calibration) : null;
    const engines = [];
    try {
      for (const m of modes) {
        const { label, ...options } = m;
        engines.push({ label, engine: net.prepare({ ...options, ranges: m.mode === 'static' ? ranges : null,
          hessians: usesGptq(m) ? hessiansFor() : null }) });
      }
      // The QAT row's engine, as evaluateModes ran it: static, with the ranges QAT observed.
      if (qat) engines.push({ label: qat.label, engine: qat.network.prepare({ ...qat.engine, ranges: qat.ranges }) });
    } catch (e) {
      for (const { engine } of engines) engine.release();
      throw e;
    }
    state.pad = { key, engines };
  }
  const x = new Float32Array(input);
  return { predictions: state.pad.engines.map(({ label, engine }) => ({ label, logits: engine.forward(x, 1) })) };
}
