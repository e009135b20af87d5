// Sweeps over quantization settings of one network (DOM-free: the page's Worker, the CLI and the
// tests use them): accuracy against weight bit width, and the per-layer sensitivity report of
// mixed precision. Every number comes from the core (engines, argmax, scoring); this module only
// chooses the settings and runs the test set in chunks, awaiting `tick` between chunks so a
// Worker can report progress and cancel (runCancellable's tick may throw).
import { PREDICT_CHUNK as CHUNK, runQat } from './network_eval.mjs';


/** The two bit-width curves the page draws: static PTQ (activations int8) and weight-only, per channel. */
export const CURVE_MODES = Object.freeze([
  { label: 'static PTQ (int8 activations)', mode: 'static', granularity: 'channel' },
  { label: 'weight-only', mode: 'weight-only', granularity: 'channel' },
]);
/** The QAT curve the page adds on request: one fine-tuning per bit width, then the static engine. */
export const CURVE_QAT_MODE = Object.freeze({ label: 'QAT (int8 activations)', mode: 'qat', granularity: 'channel' });
export const CURVE_BITS = Object.freeze([8, 7, 6, 5, 4, 3, 2]);

/**
 * Accuracy of one engine setting on the first `count` test samples:
 * {accuracy, correct, total, modelBytes}. tick(done) is awaited before every chunk.
 */
export async function engineAccuracy(qp, network, test, options, { count = test.count, tick = async () => {} } = {}) {
  const n = Math.min(count, test.count);
  const engine = network.prepare(options);
  try {
    const predictions = new Int32Array(n);
    for (let begin = 0; begin < n; begin += CHUNK) {
      await tick(begin);
      predictions.set(engine.predict(test, begin, Math.min(CHUNK, n - begin)), begin);
    }
    const score = qp.scorePredictions(predictions, test.labels.subarray(0, n), network.info.classes);
    return { accuracy: score.accuracy, correct: score.correct, total: score.total, modelBytes: engine.info.modelBytes };
  } finally {
    engine.release();
  }
}

/** Counts finished evaluations for a sweep's progress: tick(done, total, {name}) in samples. */
function progress(tick, evaluations, count) {
  const total = evaluations * count;
  let finished = 0;
  return {
    total,
    step: (name) => (done) => tick(finished * count + done, total, { name }),
    next() { finished++; },
  };
}

/**
 * Accuracy against weight bit width: for each of `modes` ({label, mode, granularity, groupSize})
 * and each b of `bits`, the network prepared with {mode, bits: b} (static modes take `ranges`).
 * A mode 'qat' ({steps, learningRate}) fine-tunes a copy of the network on `trainData` at b bits
 * (runQat, as `qplay eval --mode qat`) and runs the static engine with the ranges QAT observed;
 * its progress counts each training as one more evaluation.
 * -> {bits, float: {accuracy, modelBytes}, series: [{label, mode, points: [{bits, accuracy, deltaPp,
 * modelBytes}]}], count}
 */
export async function bitWidthCurve(qp, network, test, {
  modes = CURVE_MODES, bits = CURVE_BITS, ranges = null, trainData = null, limit = test.count, tick = async () => {},
} = {}) {
  const count = Math.min(limit, test.count);
  if (modes.some((m) => m.mode === 'static') && !ranges) throw new Error('bitWidthCurve: static modes need ranges (network.calibrate)');
  if (modes.some((m) => m.mode === 'qat') && !trainData) throw new Error('bitWidthCurve: a QAT curve needs training data');
  const trainings = modes.filter((m) => m.mode === 'qat').length * bits.length;
  const p = progress(tick, 1 + modes.length * bits.length + trainings, count);
  const float = await engineAccuracy(qp, network, test, { mode: 'float' }, { count, tick: p.step('float32') });
  p.next();
  const series = [];
  for (const m of modes) {
    const points = [];
    for (const b of bits) {
      const { label, steps = null, learningRate, ...options } = m;
      let r;
      if (m.mode === 'qat') {
        const step = p.step(`${label}, ${b} bits: training`);
        const tuned = await runQat(network, trainData, { bits: b, granularity: m.granularity ?? 'channel', steps, learningRate,
          label, tick: (done, total) => step(Math.floor((count * done) / Math.max(total, 1))) });
        p.next();
        try {
          r = await engineAccuracy(qp, tuned.network, test, { ...options, ...tuned.engine, ranges: tuned.ranges },
            { count, tick: p.step(`${label}, ${b} bits`) });
        } finally {
          tuned.network.release();
        }
      } else {
        r = await engineAccuracy(qp, network, test, { ...options, bits: b, ranges: m.mode === 'static' ? ranges : null },
          { count, tick: p.step(`${label}, ${b} bits`) });
      }
      p.next();
      points.push({ bits: b, accuracy: r.accuracy, deltaPp: 100 * (r.accuracy - float.accuracy), modelBytes: r.modelBytes });
    }
    series.push({ label: m.label, mode: m.mode, points });
  }
  await tick(p.total, p.total, { name: 'done' });
  return { bits: [...bits], float: { accuracy: float.accuracy, modelBytes: float.modelBytes }, series, count };
}

/** The weighted layers of a network, in the order layerBits counts them: [{index, name, kind, parameters}]. */
export function weightedLayers(network) {
  return network.info.layers.filter((l) => l.weightedIndex !== undefined)
    .map((l) => ({ index: l.weightedIndex, name: l.name, kind: l.kind, parameters: l.parameters }));
}

/**
 * Mixed precision in static mode at `bits` per channel (activations int8, `ranges` calibrated):
 *   layers: for each weighted layer, the accuracy when only that layer is quantized (layerBits
 *     = [0, …, bits, …, 0]) and its drop against float (pp, positive = worse);
 *   keepFloat: for k = 0 … L−1, the k most sensitive layers (largest drop first; ties by layer
 *     order) kept in float and the others quantized: accuracy, drop and model size.
 * -> {bits, float: {accuracy, modelBytes}, layers: [{index, name, kind, parameters, accuracy,
 *    dropPp, modelBytes}], keepFloat: [{k, floatLayers: [index], accuracy, dropPp, modelBytes}], count}
 */
export async function sensitivityReport(qp, network, test, {
  bits = 8, ranges, limit = test.count, tick = async () => {},
} = {}) {
  if (!ranges) throw new Error('sensitivityReport needs the static ranges (network.calibrate)');
  const count = Math.min(limit, test.count);
  const layers = weightedLayers(network);
  const L = layers.length;
  const p = progress(tick, 1 + 2 * L, count);
  const float = await engineAccuracy(qp, network, test, { mode: 'float' }, { count, tick: p.step('float32') });
  p.next();
  const staticRun = (layerBits, name) => engineAccuracy(qp, network, test,
    { mode: 'static', bits, granularity: 'channel', layerBits, ranges }, { count, tick: p.step(name) });
  const rows = [];
  for (const layer of layers) {
    const layerBits = layers.map((l) => (l.index === layer.index ? bits : 0));
    const r = await staticRun(layerBits, `only ${layer.name} at ${bits} bits`);
    p.next();
    rows.push({ ...layer, accuracy: r.accuracy, dropPp: 100 * (float.accuracy - r.accuracy), modelBytes: r.modelBytes });
  }
  // Most sensitive first; a stable sort keeps layer order among equal drops.
  const order = [...rows].sort((a, b) => b.dropPp - a.dropPp).map((r) => r.index);
  const keepFloat = [];
  for (let k = 0; k < L; k++) {
    const kept = order.slice(0, k);
    const layerBits = layers.map((l) => (kept.includes(l.index) ? 0 : bits));
    const r = await staticRun(layerBits, k === 0 ? `every layer at ${bits} bits` : `${k} layer(s) in float`);
    p.next();
    keepFloat.push({ k, floatLayers: kept, accuracy: r.accuracy, dropPp: 100 * (float.accuracy - r.accuracy), modelBytes: r.modelBytes });
  }
  await tick(p.total, p.total, { name: 'done' });
  return { bits, float: { accuracy: float.accuracy, modelBytes: float.modelBytes }, layers: rows, keepFloat, count };
}

/** Softmax of one row of logits (float64 sums, max subtracted): probabilities that sum to 1. */
export function softmax(logits) {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
