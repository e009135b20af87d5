// The widget worker's requests for <qp-network> (docs/widgets.md): the network comparison of #6
// on a bundled model. Each widget instance owns its network (and its static ranges) under its
// instance id, so two widgets on a page never see each other's state; the bundled image sets are
// read-only and shared (loaded once per page: the test set is 31 MB as float32).
//
//   → {type: 'networkOpen', instance, model, urls: {model, testImages, testLabels, trainImages, trainLabels}}
//        ← {network: {name, parameters, classes, input}, data: {count}}   (replaces the instance's network)
//   → {type: 'networkEvaluate', instance, modes: [{label, mode, bits?, ...}], limit, timingRuns}   a job:
//        ← progress {done, total, name} and {row} as each mode finishes, then {rows, count}
//   → {type: 'networkRelease', instance}   ← {released: bool}   (the element left the page)
import { runCancellable } from '../app/worker_jobs.mjs';
import { CALIBRATION_SAMPLES, idxDataset } from '../lib/datasets.mjs';
import { evaluateModes, usesGptq } from '../lib/network_eval.mjs';

const instances = new Map();  // instance id -> {network: NetworkHandle, model, urls, ranges, running: Promise|null, released}
const latestOpen = new Map();  // instance id -> the id of its latest networkOpen request
const datasets = new Map();   // 'images|labels' URL pair -> Promise<DatasetHandle>, shared, never released

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw userError(`cannot fetch the bundled ${what} (${e.message})`);
  }
  if (!response.ok) throw userError(`the bundled ${what} (${new URL(url).pathname.split('/').pop()}) is missing: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function sharedDataset(qp, images, labels, what) {
  const key = `${images}|${labels}`;
  if (!datasets.has(key)) {
    const loading = Promise.all([fetchBytes(images, `${what} images`), fetchBytes(labels, `${what} labels`)])
      .then(([i, l]) => idxDataset(qp, i, l));
    loading.catch(() => datasets.delete(key));  // a failed load may be retried
    datasets.set(key, loading);
  }
  return datasets.get(key);
}

function cancelled(why) {
  const e = new Error(why);
  e.name = 'Cancelled';
  return e;
}

function release(instance) {
  latestOpen.delete(instance);
  const entry = instances.get(instance);
  if (!entry) return false;
  instances.delete(instance);
  entry.released = true;
  // A run still going on this network stops at its next step and frees it (see networkEvaluate).
  if (!entry.running) entry.network.release();
  return true;
}

async function networkOpen(qp, { id, instance, model, urls }) {
  latestOpen.set(instance, id);
  const [bytes, test] = await Promise.all([fetchBytes(urls.model, `${model} model`),
    sharedDataset(qp, urls.testImages, urls.testLabels, 'test')]);
  // A run on the previous network (which the widget cancelled) stops at its next step.
  while (instances.get(instance)?.running) await instances.get(instance).running;
  // The widget asked for another model meanwhile: that request's network wins, whenever it lands.
  if (latestOpen.get(instance) !== id) throw cancelled('superseded by a later request');
  latestOpen.delete(instance);
  const network = qp.loadNetwork(bytes, `${model}.safetensors`);
  release(instance);
  instances.set(instance, { network, model, urls, ranges: null, hessians: null, running: null, released: false });
  const { name, parameters, classes, input } = network.info;
  return { network: { name, parameters, classes, input }, data: { count: test.count } };
}

/**
 * Static PTQ ranges as the app and `qplay eval` take them: the first CALIBRATION_SAMPLES images of
 * the bundled training subset, minmax.
 */
async function rangesFor(qp, entry) {
  if (!entry.ranges) {
    const train = await sharedDataset(qp, entry.urls.trainImages, entry.urls.trainLabels, 'training');
    entry.ranges = entry.network.calibrate(train, { calibration: 'minmax', count: Math.min(CALIBRATION_SAMPLES, train.count) });
  }
  return entry.ranges;
}

/** GPTQ's H of every weighted layer, from the same calibration images as rangesFor. */
async function hessiansFor(qp, entry) {
  if (!entry.hessians) {
    const train = await sharedDataset(qp, entry.urls.trainImages, entry.urls.trainLabels, 'training');
    entry.hessians = entry.network.inputHessians(train, { count: Math.min(CALIBRATION_SAMPLES, train.count) });
  }
  return entry.hessians;
}

/**
 * One run at a time per network: a new run waits for the previous one (cancelled by the widget, it
 * stops at its next step). The job is registered before any wait, so a cancel is never lost.
 */
function networkEvaluate(qp, msg, post) {
  return runCancellable(msg.id, post, async (tick) => {
    const entry = instances.get(msg.instance);
    if (!entry) throw userError('no network is loaded for this widget');
    while (entry.running) await entry.running;
    if (msg.model && entry.model !== msg.model) throw userError(`the ${msg.model} network is not loaded yet`);
    let finished;
    entry.running = new Promise((resolve) => { finished = resolve; });
    try {
      const guarded = (done, total, fields) => {
        if (entry.released) throw cancelled('the widget was removed');
        return tick(done, total, fields);
      };
      const { modes, timingRuns = 200 } = msg;
      await guarded(0, modes.length, { name: 'loading' });
      const test = await sharedDataset(qp, entry.urls.testImages, entry.urls.testLabels, 'test');
      const count = Math.min(msg.limit ?? test.count, test.count);
      const ranges = modes.some((m) => m.mode === 'static') ? await rangesFor(qp, entry) : null;
      const hessians = modes.some(usesGptq) ? await hessiansFor(qp, entry) : null;
      const total = modes.length * count;
      const rows = [];
      // One evaluateModes call per mode, so each row reaches the widget as soon as it is measured;
      // our ranges and H win over its own calibration (m.ranges, m.hessians), which then runs on one sample.
      for (const [i, m] of modes.entries()) {
        const out = await evaluateModes(qp, entry.network, test, {
          modes: [{ ...m, ranges: m.mode === 'static' ? ranges : undefined, hessians: usesGptq(m) ? hessians : undefined }],
          calibrationData: test, calibrationCount: 1,
          limit: count, timingRuns, tick: (done, _, fields) => guarded(i * count + Math.min(done, count), total, fields),
        });
        const { ranges: _r, hessians: _h, predictions: _p, confusion: _c, ...row } = out.rows[0];
        const base = rows.find((r) => r.mode === 'float');
        row.index = i;
        row.deltaPp = base ? 100 * (row.accuracy - base.accuracy) : m.mode === 'float' ? 0 : null;
        rows.push(row);
        post({ id: msg.id, type: 'progress', done: (i + 1) * count, total, name: m.label, row });
      }
      return { rows, count };
    } finally {
      entry.running = null;
      finished();
      if (entry.released) entry.network.release();
    }
  });
}

export const handlers = {
  networkOpen,
  networkEvaluate,
  networkRelease: async (qp, { instance }) => ({ released: release(instance) }),
};
