// The network API of the JS library (issue #6): handles to networks, datasets and prepared
// engines that live inside the WebAssembly core. Created through Qplay (qp.loadNetwork,
// qp.datasetFromArrays); each handle's release() frees its core memory.

/** A network read from a state dict (.safetensors, .pt, .npz) or an ONNX file. */
export class NetworkHandle {
  constructor(qplay, id, warnings = []) {
    this._qp = qplay;
    this.id = id;
    /** What the loader changed or dropped (e.g. a final Softmax), for the user. */
    this.warnings = warnings;
    /** { name, input: [c, h, w], classes, parameters, layers: [...], weightedLayers } */
    this.info = qplay._call('nnDescribeNetwork', id);
  }

  /**
   * Static PTQ calibration: one [lo, hi] per weighted layer (the range of the tensor entering it),
   * from the float network run over samples [begin, begin + count) of `dataset` with a calibrator
   * of the core ('minmax' default, 'percentile:99.99', 'mse', 'entropy', 'histogram', 'moving-average').
   */
  calibrate(dataset, { calibration = 'minmax', begin = 0, count = dataset.count } = {}) {
    return this._qp._call('nnCalibrate', this.id, dataset.id, { calibration, begin, count });
  }

  /**
   * GPTQ calibration: for every weighted layer, H = (2/N)·XᵀX (a Float64Array, fan_in × fan_in,
   * PyTorch fan-in order) of its float inputs X over samples [begin, begin + count) of `dataset`
   * (im2col rows for a convolution). Pass them as prepare({ weightCalibration: 'gptq', hessians }).
   */
  inputHessians(dataset, { begin = 0, count = dataset.count } = {}) {
    return this._qp._call('nnInputHessians', this.id, dataset.id, { begin, count });
  }

  /**
   * An engine for one mode: { mode: 'float' | 'weight-only' | 'dynamic' | 'static', bits (2..8),
   * granularity: 'channel' | 'tensor' | 'group', groupSize, layerBits: [bits or 0 = float per
   * weighted layer], perRow (dynamic), ranges (static: from calibrate()), weightCalibration
   * ('minmax', 'mse', ..., or 'gptq' / 'gptq-mse', which need hessians: from inputHessians()) }.
   */
  prepare(options = {}) {
    return new EngineHandle(this._qp, this._qp._call('nnPrepareEngine', this.id, options));
  }

  /**
   * Quantization-aware training of a copy of this network on `trainData`: weights fake-quantized
   * ({ bits 2..8, granularity 'channel' | 'tensor' | 'group', groupSize, layerBits: bits or 0 =
   * float per weighted layer }), activations entering
   * each weighted layer fake-quantized to uint8 with moving-average ranges, straight-through
   * gradients, Adam ({ learningRate = 1e-4, batchSize = 64, seed = 0 }). Drive it with step(n);
   * finish() gives the fine-tuned network and its activation ranges for prepare({ mode: 'static' }).
   */
  startQat(trainData, options = {}) {
    return new QatHandle(this._qp, this._qp._call('nnStartQat', this.id, trainData.id, options));
  }

  /** The network as a .safetensors state dict (architecture in its metadata). */
  encode(metadata = {}) {
    return this._qp._call('nnEncodeNetwork', this.id, metadata);
  }

  release() {
    this._qp._m.nnReleaseNetwork(this.id);
  }
}

/** Labelled samples, already scaled as the network expects (NCHW float32). */
export class DatasetHandle {
  constructor(qplay, id) {
    this._qp = qplay;
    this.id = id;
    const info = qplay._call('nnDescribeDataset', id);
    this.count = info.count;
    this.sample = info.sample;
    /** Int32Array of class indices (empty when the data has no labels). */
    this.labels = info.labels;
  }

  /** Float32Array of samples [begin, begin + count). */
  inputs(begin, count = 1) {
    return this._qp._call('nnDatasetInputs', this.id, begin, count);
  }

  release() {
    this._qp._m.nnReleaseDataset(this.id);
  }
}

export class EngineHandle {
  constructor(qplay, id) {
    this._qp = qplay;
    this.id = id;
    /** { modelBytes, classes, inputSize } */
    this.info = qplay._call('nnEngineInfo', id);
  }

  /** Int32Array of predicted classes for samples [begin, begin + count) of `dataset`. */
  predict(dataset, begin = 0, count = dataset.count - begin) {
    return this._qp._call('nnPredict', this.id, dataset.id, begin, count);
  }

  /** Float32Array of batch × classes logits for `inputs` (batch samples, NCHW). */
  forward(inputs, batch = 1) {
    return this._qp._call('nnForward', this.id, inputs, batch);
  }

  /**
   * { batch1MedianUs, batch1P10Us, batch1P90Us, batchImagesPerSecond, batch }: single-sample
   * forwards timed in blocks of ~2 ms (about `runs` in all; browsers coarsen the clock to 5–100 µs),
   * and the best of 3 forwards of one batch.
   */
  timing(dataset, { runs = 200, batch = 256 } = {}) {
    return this._qp._call('nnTiming', this.id, dataset.id, runs, batch);
  }

  release() {
    this._qp._m.nnReleaseEngine(this.id);
  }
}

export class QatHandle {
  constructor(qplay, id) {
    this._qp = qplay;
    this.id = id;
    const info = qplay._call('nnQatInfo', id);
    /** Minibatches in one pass over the training data. */
    this.stepsPerEpoch = info.stepsPerEpoch;
  }

  /** Runs `n` minibatches; Float32Array of their losses. */
  step(n = 1) {
    return this._qp._call('nnQatStep', this.id, n);
  }

  /** { stepsDone, stepsPerEpoch, learningRate } */
  info() {
    return this._qp._call('nnQatInfo', this.id);
  }

  /** { network: NetworkHandle (fine-tuned float weights), ranges } — the session stays usable. */
  finish() {
    const { network, ranges } = this._qp._call('nnQatFinish', this.id);
    return { network: new NetworkHandle(this._qp, network), ranges };
  }

  release() {
    this._qp._m.nnReleaseQat(this.id);
  }
}
