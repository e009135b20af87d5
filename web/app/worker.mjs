// The page's module Worker: owns the WebAssembly core and the current tensor; the main thread only
// renders. Protocol (one update in flight at a time, see client.mjs):
//
//   → {id, type: 'hello'}
//   ← {id, type: 'result', build, kernelTier, capabilities, schemes, calibrations}
//        schemes: qp.schemes() (the registry); calibrations: the calibrators the core accepts
//        today, probed from CALIBRATIONS with a tiny runScheme each
//   → {id, type: 'update', load?, options, channel}
//        load: {kind: 'npy', name, bytes: ArrayBuffer (transferred)} | {kind: 'synthetic', generator, seed}
//              | {kind: 'modelTensor', token, index}   (plus `key`, the page's name for the source)
//        options: runScheme() options (format, bits, ..., calibration, clip, doubleQuant, saturate); channel: which unit's
//        values and grid to show (a channel, or a group in unitShape's C order)
//   ← {id, type: 'result', tensor, options, channel, quant, view, errors, unitErrors}   (see update())
//        view.markers: each calibrator's range when cached, else [] with view.markersPending and
//        view.markersKey: the page then asks for them (they take a few hundred ms on a cold start)
//   → {id, type: 'markers', key}                 ← {id, type: 'result', key, markers: [...] | null (stale key)}
//   ← {id, type: 'error', name, message}       a QplayError's message is meant for the user
//   → {id, type: 'compare', options: [options]}  every scheme on the current tensor, one at a time
//        ← progress {done, total, index, row, pareto} per scheme, then {id, type: 'result', rows, serial}
//
// The model view (worker_model.mjs):
//   → {id, type: 'open', files: File[]}          ← {id, type: 'result', model: listing}
//   → {id, type: 'analyse', token, options, all} ← progress…, then {id, type: 'result', report}
//   → {id, type: 'compareModel', token, recipes, all} ← progress…, then {id, type: 'result', report}
//   → {id, type: 'export', token, kind, names, options}
//                                                ← progress…, then {id, type: 'result', bytes, fileName, mimeType}
// The Kernels tab (worker_kernels.mjs):
//   → {id, type: 'kernelInfo'}                   ← {id, type: 'result', build, kernelTier, simd, relaxedSimd, ...}
//   → {id, type: 'benchKernels', shapes, repetitions, seed}
//                                                ← progress… ({row} or {peak} when measured), then {id, type: 'result', peak, rows}
// The Network tab: requests named 'net*', see worker_network.mjs.
//   → {id, type: 'cancel', job}                  ← {id, type: 'result', cancelled: bool}
//   progress: {id, type: 'progress', done, total, name}; a cancelled job ends with an error named 'Cancelled'.
//
// A load is committed only when the new tensor parsed *and* quantized; otherwise the previous
// tensor stays current and the error goes back to the page.
import { canUseThreads, loadQplay } from '../lib/qplay.mjs';
import { SYNTHETIC } from './tensors.mjs';
import { cancelJob, runCancellable } from './worker_jobs.mjs';
import { compareOnTwoCores } from './worker_compare.mjs';
import { bucketMax, unitName, unitValues } from './units.mjs';

// The Model, Kernels and Network tabs' worker code loads on their first request, not with the
// first view (its size budget): each import() runs once.
const once = (load) => { let p = null; return () => (p ??= load()); };
const modelWork = once(() => import('./worker_model.mjs'));
const kernelWork = once(() => import('./worker_kernels.mjs'));
const networkWork = once(() => import('./worker_network.mjs'));

/** The calibrators the page offers when the core accepts them (probed at start). */
const CALIBRATIONS = ['minmax', 'moving-average', 'percentile:99.9', 'percentile:99.99', 'mse', 'entropy', 'histogram'];

const ready = loadQplay().then((qp) => {
  const schemes = qp.schemes();
  return { qp, schemes, byName: new Map(schemes.map((s) => [s.name, s])), calibrations: probeCalibrations(qp) };
});
// The pthreads build, for the Kernels tab only, loaded on first use when the page is cross-origin
// isolated: { qp, count } or { error } (a reason the tab shows).
let threaded = null;
function threadedCore() {
  if (!canUseThreads()) return Promise.resolve(null);
  threaded ??= loadQplay({ build: 'threads' })
    .then((qp) => ({ qp, count: Math.min(navigator.hardwareConcurrency || 1, 5) }))
    .catch((e) => ({ error: `the threaded build did not load: ${e.message}` }));
  return threaded;
}

/** {name, dtype, shape, data: Float32Array, stats, serial} */
let current = null;
let serial = 0;           // numbers the committed tensors: a comparison names the tensor it ran on
let markerCache = null;   // {key, markers}: calibrators' ranges for the current tensor and grid
let pendingMarkers = null; // {key, tensor, options, own}: the last update whose markers were not cached

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    const core = await ready;
    const { qp } = core;
    if (msg.type === 'hello') {
      self.postMessage({ id: msg.id, type: 'result', build: qp.build, kernelTier: qp.kernelTier,
        capabilities: qp.capabilities(), schemes: core.schemes, calibrations: core.calibrations });
    } else if (msg.type === 'update') {
      const { reply, transfer } = update(core, msg, msg.load?.kind === 'modelTensor' ? await modelWork() : null);
      self.postMessage({ id: msg.id, type: 'result', ...reply }, transfer);
    } else if (msg.type === 'markers') {
      self.postMessage({ id: msg.id, type: 'result', key: msg.key, markers: markersFor(qp, core.calibrations, msg.key) });
    } else if (msg.type === 'compare') {
      const out = await compareCurrent(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', ...out });
    } else if (msg.type === 'open') {
      self.postMessage({ id: msg.id, type: 'result', model: (await modelWork()).openFiles(qp, msg.files) });
    } else if (msg.type === 'analyse') {
      const report = await (await modelWork()).analyse(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', report });
    } else if (msg.type === 'compareModel') {
      const report = await (await modelWork()).compareModel(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', report });
    } else if (msg.type === 'export') {
      const out = await (await modelWork()).exportFile(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', ...out }, [out.bytes.buffer]);
    } else if (msg.type === 'kernelInfo') {
      self.postMessage({ id: msg.id, type: 'result', ...(await kernelWork()).kernelInfo(qp, await threadedCore()) });
    } else if (msg.type === 'benchKernels') {
      const out = await (await kernelWork()).benchKernels(qp, msg, (m) => self.postMessage(m), await threadedCore());
      self.postMessage({ id: msg.id, type: 'result', ...out });
    } else if (typeof msg.type === 'string' && msg.type.startsWith('net')) {  // worker_network.mjs's requests
      const out = await (await networkWork()).networkRequest(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', ...out });
    } else if (msg.type === 'cancel') {
      self.postMessage({ id: msg.id, type: 'result', cancelled: cancelJob(msg.job) });
    } else {
      throw new Error(`unknown request type '${msg.type}'`);
    }
  } catch (e) {
    self.postMessage({ id: msg.id, type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
};

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

/** The calibrators of CALIBRATIONS that the core runs (on 16 spread values) without refusing. */
function probeCalibrations(qp) {
  const x = Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) / 4);
  return CALIBRATIONS.filter((calibration) => {
    try {
      qp.runScheme(x, [16], { format: 'int', bits: 4, calibration });
      return true;
    } catch {
      return false;
    }
  });
}

function loadTensor(qp, load, modelModule) {
  if (load.kind === 'npy') {
    const npy = qp.readNpy(new Uint8Array(load.bytes));
    return { name: load.name, dtype: npy.dtype, shape: npy.shape, data: npy.data };
  }
  if (load.kind === 'modelTensor') return modelModule.readModelTensor(load.token, load.index);
  if (load.kind === 'synthetic') {
    const gen = SYNTHETIC[load.generator];
    if (!gen) throw new Error(`unknown synthetic tensor '${load.generator}'`);
    const { shape, data } = gen.make(load.seed >>> 0);
    return { name: `${gen.label}, seed ${load.seed >>> 0}`, dtype: '<f4', shape, data };
  }
  throw new Error(`unknown load kind '${load.kind}'`);
}

/**
 * Fit the page's options to the scheme and the tensor: bits within the scheme's range, the axis
 * within the rank, granularity / calibration / clip only where the scheme takes them. What the
 * scheme cannot take is dropped rather than refused, so switching format never shows an error.
 */
function normalize(byName, options, rank) {
  const info = byName.get(options.format) ?? byName.get('int');
  const fixed = !(info.minBits > 0);
  const bits = fixed ? 8 : Math.min(info.maxBits, Math.max(info.minBits, Math.round(Number(options.bits) || info.maxBits)));
  let axis = info.takesGranularity ? options.axis ?? null : null;
  if (axis !== null) axis = rank === 0 ? null : Math.min(rank - 1, Math.max(0, Math.trunc(axis) || 0));
  const group = Math.trunc(Number(options.groupSize)) || 0;
  const groupSize = axis !== null && group > 0 ? group : null;
  const calibration = info.takesCalibration ? options.calibration || 'minmax' : 'minmax';
  // A fixed clip range: the int grid per tensor (the calibration view's dragged range).
  const clip = info.name === 'int' && axis === null && Array.isArray(options.clip) ? options.clip.map(Number) : null;
  const doubleQuant = info.name === 'nf4' && Boolean(options.doubleQuant);
  const saturate = info.family !== 'float' || options.saturate !== false;
  return { format: info.name, bits, scheme: options.scheme, signed: Boolean(options.signed), axis, mode: options.mode,
    groupSize, calibration, clip, doubleQuant, saturate };
}

function binCount(n) {
  return Math.max(48, Math.min(240, Math.round(Math.sqrt(n))));
}

/** [min, max] of finite values (a Float32Array may be large: one pass, no sort). */
function range(values) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The integer grid's real range for one unit: [(qmin − zp)·s, (qmax − zp)·s] in float32. */
function intClip(integer, unit) {
  const s = integer.scales[unit], zp = integer.zeroPoints[unit];
  return [Math.fround((integer.qmin - zp) * s), Math.fround((integer.qmax - zp) * s)];
}

/** The cache key of the calibrators' markers: the tensor and the int grid (not the clip range). */
const markerKey = (tensor, options) =>
  JSON.stringify([tensor.serial, options.bits, options.scheme, options.signed, options.mode]);

/**
 * Where each available calibrator puts the clip range of this per-tensor int grid (cached per
 * tensor and grid: dragging the range does not rerun them). -> [{name, lo, hi, mse, sqnrDb} | {name, error}]
 * `own`: the update's own calibrator's marker (its result is not run again), or null.
 */
function calibrationMarkers(qp, calibrations, tensor, options, own) {
  const key = markerKey(tensor, options);
  if (markerCache?.key === key) return markerCache.markers;
  const markers = calibrations.map((name) => {
    if (own?.name === name) return own;
    try {
      return markerOf(name, qp.runScheme(tensor.data, tensor.shape, { ...options, calibration: name, clip: null }));
    } catch (e) {
      if (e?.name !== 'QplayError') throw e;
      return { name, error: e.message };
    }
  });
  markerCache = { key, markers };
  return markers;
}

const markerOf = (name, r) => {
  const [lo, hi] = intClip(r.integer, 0);
  return { name, lo, hi, mse: r.metrics.mse, sqnrDb: r.metrics.sqnrDb };
};

/** The markers of an earlier update's key, or null when a newer tensor or grid replaced it. */
function markersFor(qp, calibrations, key) {
  if (markerCache?.key === key) return markerCache.markers;
  if (pendingMarkers?.key !== key) return null;
  const { tensor, options, own } = pendingMarkers;
  pendingMarkers = null;
  return calibrationMarkers(qp, calibrations, tensor, options, own);
}

/**
 * The histogram's range covers the values, the grid shown and min/max's grid: every calibrator
 * clips inside min/max's range, so the markers (which may arrive later) fall inside it too, and
 * the range does not depend on whether they are ready yet.
 */
function minmaxClip(qp, tensor, options, result) {
  if (options.calibration === 'minmax' && !options.clip) return intClip(result.integer, 0);
  const cached = markerCache?.key === markerKey(tensor, options) && markerCache.markers.find((m) => m.name === 'minmax');
  if (cached && !cached.error) return [cached.lo, cached.hi];
  return intClip(qp.runScheme(tensor.data, tensor.shape, { ...options, calibration: 'minmax', clip: null }).integer, 0);
}

function update(core, msg, modelModule) {
  const { qp } = core;
  let tensor = current;
  if (msg.load) {
    tensor = loadTensor(qp, msg.load, modelModule);
    tensor.stats = qp.stats(tensor.data);
    tensor.serial = serial + 1;
  }
  if (!tensor) throw userError('no tensor is loaded yet: open a file or choose a synthetic tensor');
  const { shape } = tensor;
  let options = normalize(core.byName, msg.options, shape.length);

  let t0 = performance.now();
  let r, notice = null;
  try {
    r = qp.runScheme(tensor.data, shape, options);  // throws on NaN/Inf, empty, a refused option, ...
  } catch (e) {
    // A new tensor the chosen format refuses (a block size that does not divide it, say) still
    // opens, with the int grid, and the page says why; bad data (NaN, empty) refuses both.
    if (!msg.load || e?.name !== 'QplayError' || options.format === 'int') throw e;
    const fallback = normalize(core.byName, { ...msg.options, format: 'int', clip: null }, shape.length);
    t0 = performance.now();
    try {
      r = qp.runScheme(tensor.data, shape, fallback);
    } catch {
      throw e;  // the tensor itself is refused: the chosen format's message says why
    }
    notice = `${options.format} cannot quantize this tensor (${e.message}); showing the int format instead.`;
    options = fallback;
  }
  const ms = performance.now() - t0;

  const units = r.units;
  const axis = r.unitAxis, group = r.unitGroup ?? 0;
  const unit = units === 1 ? 0 : Math.min(units - 1, Math.max(0, msg.channel | 0));
  const values = unitValues(tensor.data, shape, axis, group, unit);
  const recon = unitValues(r.dequantized, shape, axis, group, unit);
  const vs = units === 1 ? tensor.stats : qp.stats(values);

  // The grid of the unit shown: the int grid from its scale and zero point; other formats report
  // the levels of unit 0 only (each unit scales its own), so other units show no grid.
  let grid, clip = null, scale = null, zeroPoint = null;
  if (r.integer) {
    scale = r.integer.scales[unit];
    zeroPoint = r.integer.zeroPoints[unit];
    clip = intClip(r.integer, unit);
    grid = qp.gridLevels(scale, zeroPoint, r.integer.qmin, r.integer.qmax);
  } else {
    grid = unit === 0 ? r.levels : new Float32Array(0);
    if (grid.length > 1) clip = [grid[0], grid[grid.length - 1]];
  }
  let lo = Math.min(vs.min, clip ? clip[0] : Infinity), hi = Math.max(vs.max, clip ? clip[1] : -Infinity);
  // Each calibrator's range (the "markers"): running all of them takes a few hundred ms on a
  // cold start, so a reply carries them only when cached; otherwise the page asks for them with a
  // 'markers' request once this view is drawn (the first view is not held up by them).
  let markers = [], markersKey = null;
  if (r.integer && units === 1) {
    markersKey = markerKey(tensor, options);
    if (markerCache?.key === markersKey) markers = markerCache.markers;
    else {
      // Its own calibrator's marker now: the reply transfers the result's arrays away.
      const own = options.clip ? null : markerOf(options.calibration, r);
      pendingMarkers = { key: markersKey, tensor, options, own };
    }
    const [mlo, mhi] = minmaxClip(qp, tensor, options, r);
    lo = Math.min(lo, mlo);
    hi = Math.max(hi, mhi);
  }
  const pad = (hi - lo) * 0.03 || Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  const histogram = qp.histogram(values, binCount(values.length), lo, hi);

  // The error x − x̂ of the unit shown, on a symmetric range.
  const err = new Float32Array(values.length);
  for (let i = 0; i < err.length; i++) err[i] = values[i] - recon[i];
  const [emin, emax] = range(err);
  const eabs = Math.max(Math.abs(emin), Math.abs(emax)) * 1.05 || 1e-12;
  const errorHistogram = qp.histogram(err, binCount(err.length), -eabs, eabs);
  const unitErrors = bucketMax(r.unitMse, 1024);

  const { name, dtype, storedType, stats } = tensor;
  const integer = r.integer ? { qmin: r.integer.qmin, qmax: r.integer.qmax, scales: r.integer.scales,
    zeroPoints: r.integer.zeroPoints } : null;
  const reply = {
    notice,
    tensor: { name, dtype, storedType, shape, stats, serial: tensor.serial },
    options: r.options,
    channel: unit,
    quant: {
      format: r.format, label: r.label, bitsPerWeight: r.bitsPerWeight, storedBits: r.storedBits, units,
      unitShape: r.unitShape, integer, metrics: r.metrics, ms, count: tensor.data.length,
      // int-only fields the result cards show (null for other formats)
      qmin: integer?.qmin ?? null, qmax: integer?.qmax ?? null, scales: integer?.scales ?? null,
      zeroPoints: integer?.zeroPoints ?? null,
    },
    view: {
      axis, group, channel: unit, channels: units, unitName: unitName(shape, axis, group, unit),
      count: values.length, min: vs.min, max: vs.max, scale, zeroPoint, clip, grid, histogram, markers,
      markersKey, markersPending: markersKey !== null && markers.length === 0,
      clipEditable: r.format === 'int' && units === 1, userClip: options.clip !== null,
      handles: options.clip ?? clip,
    },
    errors: { histogram: errorHistogram, min: emin, max: emax, count: err.length },
    unitErrors: { ...unitErrors, units, shape, axis, group, selected: unit },
  };
  if (msg.load) {
    serial = tensor.serial;
    // The Compare tab's default checklist for this shape (the core's own choice).
    reply.defaults = qp.defaultComparison(shape);
  }
  current = tensor;  // parsed, quantized and drawn: only now does it replace the previous tensor
  const transfer = [grid.buffer, histogram.counts.buffer, errorHistogram.counts.buffer, unitErrors.first.buffer,
    unitErrors.count.buffer, unitErrors.value.buffer, unitErrors.at.buffer];
  if (integer) transfer.push(integer.scales.buffer, integer.zeroPoints.buffer);
  return { reply, transfer };
}

/**
 * "Compare": every scheme of msg.options on the current tensor, one at a time, each row posted as
 * soon as it is measured (with the Pareto flags of the rows so far); Cancel stops before the next.
 * The tensor is held in the core for the whole run, so a new tensor loaded meanwhile does not
 * change what is compared (the page marks the rows stale by `serial`).
 */
function compareCurrent(qp, { id, options }, post) {
  if (!current) throw userError('no tensor is loaded yet');
  const tensor = current;
  const held = qp.holdTensor(tensor.data, tensor.shape);
  return runCancellable(id, post, async (tick) => {
    const total = options.length;
    let done = 0;
    await tick(0, total, { name: '' });
    const rows = await compareOnTwoCores(held, tensor, options, {
      // Rows finish in any order: the Pareto flags are recomputed over the rows so far.
      onRow(index, row, all) {
        const present = all.map((r, i) => ({ r, i })).filter((e) => e.r);
        qp.markParetoFront(present.map((e) => e.r));
        const pareto = new Array(total).fill(false);
        for (const e of present) pareto[e.i] = e.r.pareto;
        post({ id, type: 'progress', done: ++done, total, name: row.label, index, row, pareto });
      },
      pause: () => tick(done, total, { name: '' }),
    });
    qp.markParetoFront(rows);
    return { rows, serial: tensor.serial, name: tensor.name, shape: tensor.shape };
  }, { always: false, yieldEvery: true }).finally(() => held.release());
}
