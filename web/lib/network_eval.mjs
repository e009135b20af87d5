// The network comparison shared by the page's Worker and the CLI: one row per mode, each with
// accuracy on the test set, change against float, model size, batch-1 latency and batch
// throughput. All numbers come from the core (engines, argmax, scoring, timing); this module only
// sequences the work in chunks so a Worker can report progress and cancel between them.

/** The standard rows of the Network table. */
export const STANDARD_MODES = Object.freeze([
  { label: 'float32', mode: 'float' },
  { label: 'weight-only int8', mode: 'weight-only', bits: 8 },
  // Affine groups (a scale and zero point per 32 weights), as GPTQ/AWQ store int4, quantized by GPTQ
  // (each column's rounding error compensated on the later ones through H = 2XᵀX of the layer's
  // inputs on the calibration images) with each group's clip range chosen by the MSE calibrator.
  // The bundled CNN (10 000 test images): −0.08 pp (GPTQ with min/max grids −0.18, MSE alone −0.56,
  // min/max −1.23); docs/numerics.md §18.
  { label: 'weight-only int4 g32 affine gptq-mse', mode: 'weight-only', bits: 4, granularity: 'group', groupSize: 32, scheme: 'affine',
    weightCalibration: 'gptq-mse' },
  { label: 'dynamic int8', mode: 'dynamic', bits: 8 },
  { label: 'static int8', mode: 'static', bits: 8 },
]);

// Samples per predict call: a multiple of the engines' batch of 256, so per-batch dynamic quantization
// sees the same batches as qp_eval (native) and the numbers agree across CLI, page and native;
// ~10–50 ms each, short enough to cancel promptly.
export const PREDICT_CHUNK = 512;
const QAT_CHUNK = 10;  // minibatches per call: ~0.1 s for the MLP, ~1 s for the CNN in wasm

/** Does this mode quantize its weights with GPTQ (and so need each layer's H)? */
export const usesGptq = (m) => m.mode !== 'float' && m.mode !== 'qat' && /^gptq(-|$)/.test(m.weightCalibration ?? '');

// The QAT recipe's defaults (page, CLI and sweeps). Measured on the bundled CNN, int4 weights and
// 8-bit activations, 2 passes over the 5000 training images (`qplay eval cnn --mode qat --bits 4`),
// seed 0: min/max weight ranges −0.58 pp, MSE-chosen ranges −0.41, MSE + distillation 0.9 −0.38,
// and starting from GPTQ's weights −0.14 (seeds 1, 2: −0.16, −0.12; without it −0.65, −0.37).
// MLP: −0.25 → −0.16 → +0.01 (seeds 1, 2: −0.05, +0.02; without: −0.07, −0.19). gptqInit 'auto'
// starts from GPTQ only when every quantized layer has ≥ 4 bits: at 3 and 2 bits the GPTQ start
// measured worse than the float start on both models (CNN −1.01 / −5.62 against −0.63 / −3.53,
// MLP −0.30 / −1.35 against −0.06 / −0.69). docs/numerics.md §17.5.
export const QAT_DEFAULTS = Object.freeze({ weightCalibration: 'mse', distillation: 0.9, learningRate: 1e-4, gptqInit: 'auto' });

/** Does QAT with these options start from GPTQ's weights? gptqInit: true, false or 'auto' (≥ 4 bits everywhere). */
export function qatStartsFromGptq({ bits = 8, layerBits = null, gptqInit = QAT_DEFAULTS.gptqInit } = {}) {
  if (gptqInit !== 'auto') return Boolean(gptqInit);
  const quantized = layerBits ? layerBits.filter((b) => b > 0) : [bits];
  return quantized.every((b) => b >= 4);
}

/**
 * QAT row: fine-tune a copy of `network` on `trainData` with fake quantization for `steps`
 * minibatches (default: 2 passes over the data), starting (gptqInit, see qatStartsFromGptq) from
 * GPTQ's weights on the QAT grid with H from the first 1000 samples of `trainData`, then convert it to the static integer engine with
 * the activation ranges QAT observed. onLoss(stepIndex, loss) sees every minibatch.
 * → { network, ranges, engine }: `engine` is what to pass to network.prepare() with the ranges
 * (static mode and the weight grid QAT trained on).
 */
export async function runQat(network, trainData, { bits = 8, granularity = 'channel', groupSize = 0, layerBits = null,
  weightCalibration = QAT_DEFAULTS.weightCalibration, distillation = QAT_DEFAULTS.distillation, steps = null,
  gptqInit = QAT_DEFAULTS.gptqInit, learningRate = QAT_DEFAULTS.learningRate, batchSize = 64, seed = 0, tick = async () => {}, onLoss = () => {},
  label = 'QAT' } = {}) {
  const qat = network.startQat(trainData, { bits, granularity, groupSize, layerBits, weightCalibration, distillation,
    gptqInit: qatStartsFromGptq({ bits, layerBits, gptqInit }), learningRate, batchSize, seed });
  try {
    const total = steps ?? 2 * qat.stepsPerEpoch;
    for (let done = 0; done < total;) {
      await tick(done, total, { name: label });
      const losses = qat.step(Math.min(QAT_CHUNK, total - done));
      for (const l of losses) onLoss(done++, l);
    }
    return { ...qat.finish(), engine: { mode: 'static', bits, granularity, groupSize, layerBits, weightCalibration } };
  } finally {
    qat.release();
  }
}

/**
 * rows = await evaluateModes(qp, network, test, { modes, calibrationData, calibration,
 *   calibrationCount, limit, timingRuns, timingBatch, tick })
 * tick(done, total, fields) is awaited between chunks (runCancellable's tick; it may throw to
 * cancel). `limit` evaluates only the first `limit` test samples. A mode { mode: 'qat', bits,
 * granularity, steps, learningRate } fine-tunes on calibrationData (runQat), then runs static.
 * A mode with weightCalibration 'gptq…' takes each layer's H from the first calibrationCount
 * samples of calibrationData (the static mode's calibration samples), or m.hessians.
 */
export async function evaluateModes(qp, network, test, {
  modes = STANDARD_MODES, calibrationData = null, calibration = 'minmax', calibrationCount = 1000,
  limit = test.count, timingRuns = 200, timingBatch = 256, tick = async () => {},
} = {}) {
  const count = Math.min(limit, test.count);
  const labels = test.labels.subarray(0, count);
  const classes = network.info.classes;
  let ranges = null;
  if (modes.some((m) => m.mode === 'static')) {
    const calib = calibrationData ?? test;
    ranges = network.calibrate(calib, { calibration, count: Math.min(calibrationCount, calib.count) });
  }
  let hessians = null;
  if (modes.some((m) => usesGptq(m) && !m.hessians)) {
    if (!calibrationData) throw new Error('GPTQ weight calibration needs calibration data');
    hessians = network.inputHessians(calibrationData, { count: Math.min(calibrationCount, calibrationData.count) });
  }
  const total = modes.length * count;
  const rows = [];
  for (const [i, m] of modes.entries()) {
    let net = network, modeRanges = m.ranges ?? ranges, tunedEngine = null;
    if (m.mode === 'qat') {
      if (!calibrationData) throw new Error('QAT needs training data');
      const tuned = await runQat(network, calibrationData, { ...m, label: m.label,
        tick: (done, n, fields) => tick(i * count, total, { ...fields, qatStep: done, qatSteps: n }) });
      net = tuned.network;
      modeRanges = tuned.ranges;
      tunedEngine = tuned.engine;
    }
    const engine = net.prepare(tunedEngine ? { ...m, ...tunedEngine, ranges: modeRanges }
      : { ...m, ranges: m.mode === 'static' ? modeRanges : null, hessians: usesGptq(m) ? m.hessians ?? hessians : null });
    try {
      const predictions = new Int32Array(count);
      for (let begin = 0; begin < count; begin += PREDICT_CHUNK) {
        await tick(i * count + begin, total, { name: m.label });
        const n = Math.min(PREDICT_CHUNK, count - begin);
        predictions.set(engine.predict(test, begin, n), begin);
      }
      const score = qp.scorePredictions(predictions, labels, classes);
      const timing = timingRuns > 0 ? engine.timing(test, { runs: timingRuns, batch: Math.min(timingBatch, count) }) : null;
      rows.push({ ...m, accuracy: score.accuracy, correct: score.correct, total: score.total,
        confusion: score.confusion, predictions, modelBytes: engine.info.modelBytes, timing });
      // keepTuned: the caller takes the fine-tuned network (and releases it), e.g. for the drawing pad.
      if (m.keepTuned && net !== network) rows[rows.length - 1].tuned = { network: net, ranges: modeRanges, engine: tunedEngine };
    } finally {
      engine.release();
      if (net !== network && rows.at(-1)?.tuned?.network !== net) net.release();
    }
  }
  await tick(total, total, { name: 'done' });
  const base = rows.find((r) => r.mode === 'float');
  for (const r of rows) r.deltaPp = base ? 100 * (r.accuracy - base.accuracy) : null;
  return { rows, ranges, count };
}
