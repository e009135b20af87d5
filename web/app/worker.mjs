// The page's module Worker: owns the WebAssembly core and the current tensor; the main thread only
// renders. Protocol (one request in flight at a time, see client.mjs):
//
//   → {id, type: 'hello'}
//   ← {id, type: 'result', build, kernelTier}
//   → {id, type: 'update', load?, options, channel}
//        load: {kind: 'npy', name, bytes: ArrayBuffer (transferred)} | {kind: 'synthetic', generator, seed}
//              (plus `key`, the page's name for the source, unused here)
//        options: quantize() options; channel: which channel's values/grid to show (per channel)
//        load may also be {kind: 'modelTensor', token, index}: a tensor of the open model
//   ← {id, type: 'result', tensor, options, channel, quant, view}      (see update() below)
//   ← {id, type: 'error', name, message}       a QplayError's message is meant for the user
//
// The model view (worker_model.mjs):
//   → {id, type: 'open', files: File[]}          ← {id, type: 'result', model: listing}
//   → {id, type: 'analyse', token, options, all} ← progress…, then {id, type: 'result', report}
//   → {id, type: 'export', token, kind, names, options}
//                                                ← progress…, then {id, type: 'result', bytes, fileName, mimeType}
//   → {id, type: 'cancel', job}                  ← {id, type: 'result', cancelled: bool}
//   progress: {id, type: 'progress', done, total, name}; a cancelled job ends with an error named 'Cancelled'.
//
// A load is committed only when the new tensor parsed *and* quantized; otherwise the previous
// tensor stays current and the error goes back to the page.
import { loadQplay } from '../lib/qplay.mjs';
import { SYNTHETIC } from './tensors.mjs';
import { analyse, cancelJob, exportFile, openFiles, readModelTensor } from './worker_model.mjs';

const ready = loadQplay();
/** {name, dtype, shape, data: Float32Array, stats} */
let current = null;

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    const qp = await ready;
    if (msg.type === 'hello') {
      self.postMessage({ id: msg.id, type: 'result', build: qp.build, kernelTier: qp.kernelTier });
    } else if (msg.type === 'update') {
      const { reply, transfer } = update(qp, msg);
      self.postMessage({ id: msg.id, type: 'result', ...reply }, transfer);
    } else if (msg.type === 'open') {
      self.postMessage({ id: msg.id, type: 'result', model: openFiles(qp, msg.files) });
    } else if (msg.type === 'analyse') {
      const report = await analyse(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', report });
    } else if (msg.type === 'export') {
      const out = await exportFile(qp, msg, (m) => self.postMessage(m));
      self.postMessage({ id: msg.id, type: 'result', ...out }, [out.bytes.buffer]);
    } else if (msg.type === 'cancel') {
      self.postMessage({ id: msg.id, type: 'result', cancelled: cancelJob(msg.job) });
    } else {
      throw new Error(`unknown request type '${msg.type}'`);
    }
  } catch (e) {
    self.postMessage({ id: msg.id, type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
};

function loadTensor(qp, load) {
  if (load.kind === 'npy') {
    const npy = qp.readNpy(new Uint8Array(load.bytes));
    return { name: load.name, dtype: npy.dtype, shape: npy.shape, data: npy.data };
  }
  if (load.kind === 'modelTensor') return readModelTensor(load.token, load.index);
  if (load.kind === 'synthetic') {
    const gen = SYNTHETIC[load.generator];
    if (!gen) throw new Error(`unknown synthetic tensor '${load.generator}'`);
    const { shape, data } = gen.make(load.seed >>> 0);
    return { name: `${gen.label}, seed ${load.seed >>> 0}`, dtype: '<f4', shape, data };
  }
  throw new Error(`unknown load kind '${load.kind}'`);
}

/** Clamp the page's options to what the tensor allows (the axis must exist). */
function normalize(options, rank) {
  const bits = Math.min(8, Math.max(2, Math.round(Number(options.bits) || 8)));
  let axis = options.axis;
  if (axis !== null) axis = rank === 0 ? null : Math.min(rank - 1, Math.max(0, Math.trunc(axis) || 0));
  return { bits, scheme: options.scheme, signed: Boolean(options.signed), axis, mode: options.mode };
}

/** The values of one channel along `axis` of a C-order tensor (outer × C × inner runs). */
function channelValues(data, shape, axis, c) {
  const C = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = data.length / (C * inner);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const start = (o * C + c) * inner;
    out.set(data.subarray(start, start + inner), o * inner);
  }
  return out;
}

function binCount(n) {
  return Math.max(48, Math.min(240, Math.round(Math.sqrt(n))));
}

function update(qp, msg) {
  let tensor = current;
  if (msg.load) {
    tensor = loadTensor(qp, msg.load);
    tensor.stats = qp.stats(tensor.data);
  }
  if (!tensor) {
    const e = new Error('no tensor is loaded yet: open a file or choose a synthetic tensor');
    e.name = 'QplayError';
    throw e;
  }
  const options = normalize(msg.options, tensor.shape.length);

  const t0 = performance.now();
  const q = qp.quantize(tensor.data, tensor.shape, options);  // throws on NaN/Inf, empty, ...
  const ms = performance.now() - t0;

  const channels = q.scales.length;
  const channel = options.axis === null ? 0 : Math.min(channels - 1, Math.max(0, msg.channel | 0));
  const values = options.axis === null ? tensor.data : channelValues(tensor.data, tensor.shape, options.axis, channel);
  const scale = q.scales[channel], zeroPoint = q.zeroPoints[channel];
  const clip = [Math.fround((q.qmin - zeroPoint) * scale), Math.fround((q.qmax - zeroPoint) * scale)];
  const vs = options.axis === null ? tensor.stats : qp.stats(values);
  let lo = Math.min(vs.min, clip[0]), hi = Math.max(vs.max, clip[1]);
  const pad = (hi - lo) * 0.03 || Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  const histogram = qp.histogram(values, binCount(values.length), lo, hi);
  const grid = qp.gridLevels(scale, zeroPoint, q.qmin, q.qmax);

  const { name, dtype, storedType, shape, stats } = tensor;
  const reply = {
    tensor: { name, dtype, storedType, shape, stats },
    options,
    channel,
    quant: {
      qmin: q.qmin, qmax: q.qmax, scales: q.scales, zeroPoints: q.zeroPoints,
      metrics: q.metrics, ms, count: tensor.data.length,
    },
    view: {
      axis: options.axis, channel, channels, count: values.length, min: vs.min, max: vs.max,
      scale, zeroPoint, clip, grid, histogram,
    },
  };
  current = tensor;  // parsed, quantized and drawn: only now does it replace the previous tensor
  return { reply, transfer: [q.scales.buffer, q.zeroPoints.buffer, grid.buffer, histogram.counts.buffer] };
}
