// The network API (loadNetwork, datasets, engines) in both WebAssembly builds: float logits against
// a plain JS forward pass, every mode bit-identical between the SIMD and scalar builds, the
// bundled Fashion-MNIST data, and the error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadQplay, QplayError } from '../../web/lib/qplay.mjs';
import { idxDataset } from '../../web/lib/datasets.mjs';
import { rng } from '../../web/app/tensors.mjs';
import { repoRoot, sameBytes } from './helpers.mjs';

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

// A 784-24-10 MLP state dict as torch would save it (fc.weight [out, in]); no architecture metadata.
function mlpStateDict(qp, seed) {
  const r = rng(seed);
  const layer = (name, inF, outF) => {
    const w = new Float32Array(outF * inF).map(() => (r() - 0.5) * 2 / Math.sqrt(inF));
    const b = new Float32Array(outF).map(() => (r() - 0.5) * 0.2);
    return [{ name: `${name}.weight`, shape: [outF, inF], data: w }, { name: `${name}.bias`, shape: [outF], data: b }];
  };
  const tensors = [...layer('fc1', 784, 24), ...layer('fc2', 24, 10)];
  return { bytes: qp.encodeSafetensors(tensors), tensors };
}

function jsForward(tensors, x) {
  const [w1, b1, w2, b2] = tensors.map((t) => t.data);
  const h = new Float64Array(24);
  for (let j = 0; j < 24; j++) {
    let s = b1[j];
    for (let i = 0; i < 784; i++) s += w1[j * 784 + i] * x[i];
    h[j] = Math.max(0, s);
  }
  const out = new Float64Array(10);
  for (let j = 0; j < 10; j++) {
    let s = b2[j];
    for (let i = 0; i < 24; i++) s += w2[j * 24 + i] * h[i];
    out[j] = s;
  }
  return out;
}

function images(n, seed) {
  const r = rng(seed);
  return new Float32Array(n * 784).map(() => r());
}

const MODES = [
  { mode: 'float' },
  { mode: 'weight-only', bits: 4, granularity: 'group', groupSize: 32 },
  { mode: 'weight-only', bits: 3, granularity: 'tensor' },
  { mode: 'dynamic', bits: 8 },
  { mode: 'dynamic', bits: 8, perRow: true },
  { mode: 'static', bits: 8 },
  { mode: 'static', bits: 4, layerBits: [4, 0] },
];

test('float logits equal a plain JS forward; every mode gives the same bits in the SIMD and scalar builds', () => {
  const outputs = {};
  for (const [build, qp] of Object.entries(builds)) {
    const { bytes, tensors } = mlpStateDict(qp, 1);
    const net = qp.loadNetwork(bytes, 'mlp.safetensors');
    assert.deepEqual(net.info.input, [1, 28, 28]);
    assert.equal(net.info.classes, 10);
    assert.deepEqual(net.info.layers.map((l) => l.kind), ['flatten', 'linear', 'relu', 'linear']);
    const x = images(37, 2);
    const data = qp.datasetFromArrays(x, [37, 1, 28, 28], new Int32Array(37).map((_, i) => i % 10));
    const ranges = net.calibrate(data, { count: 20 });
    assert.equal(ranges.length, 2);
    const float = net.prepare({ mode: 'float' });
    const logits = float.forward(x, 37);
    for (let s = 0; s < 37; s++) {
      const ref = jsForward(tensors, x.subarray(s * 784, (s + 1) * 784));
      for (let j = 0; j < 10; j++) assert.ok(Math.abs(logits[s * 10 + j] - ref[j]) < 1e-4, `${build} sample ${s} logit ${j}`);
    }
    float.release();
    outputs[build] = MODES.map((m) => {
      const e = net.prepare({ ...m, ranges });
      const out = { logits: e.forward(x, 37), predicted: e.predict(data), bytes: e.info.modelBytes };
      e.release();
      return out;
    });
    net.release();
    data.release();
  }
  for (const [i, m] of MODES.entries()) {
    assert.ok(sameBytes(outputs.simd[i].logits, outputs.scalar[i].logits), `${JSON.stringify(m)}: SIMD == scalar`);
    assert.deepEqual(outputs.simd[i].predicted, outputs.scalar[i].predicted);
  }
  // Quantized modes change the logits but not wildly; smaller weights take fewer bytes.
  const f = outputs.simd[0];
  for (let i = 1; i < MODES.length; i++) {
    assert.ok(!sameBytes(outputs.simd[i].logits, f.logits), `${JSON.stringify(MODES[i])} did quantize`);
    assert.ok(outputs.simd[i].bytes < f.bytes);
  }
});

test('scorePredictions counts accuracy and the confusion matrix', () => {
  const qp = builds.simd;
  const s = qp.scorePredictions(new Int32Array([0, 2, 1, 1]), new Int32Array([0, 1, 1, 2]), 3);
  assert.equal(s.correct, 2);
  assert.equal(s.accuracy, 0.5);
  assert.deepEqual(Array.from(s.confusion), [1, 0, 0, 0, 1, 1, 0, 1, 0]);
});

test('bad input gets a clear error, never a wrong number', () => {
  const qp = builds.simd;
  const { bytes } = mlpStateDict(qp, 3);
  const net = qp.loadNetwork(bytes, 'mlp.safetensors');
  assert.throws(() => net.prepare({ mode: 'static' }), (e) => e instanceof QplayError && /calibrate first/.test(e.message));
  assert.throws(() => net.prepare({ mode: 'int3' }), /unknown mode 'int3'/);
  assert.throws(() => net.prepare({ mode: 'dynamic', granularity: 'group', groupSize: 32 }), /weight-only/);
  assert.throws(() => net.prepare({ mode: 'weight-only', bits: 9 }), /2\.\.8/);
  const e = net.prepare({ mode: 'float' });
  const x = images(1, 4);
  x[5] = NaN;
  assert.throws(() => e.forward(x, 1), /NaN/);
  assert.throws(() => e.forward(new Float32Array(10), 1), /10 values/);
  assert.throws(() => qp.datasetFromArrays(new Float32Array(10), [2, 1, 28, 28]), /10 values/);
  e.release();
  assert.throws(() => e.forward(images(1, 5), 1), /released/);
  assert.throws(() => qp.loadNetwork(new Uint8Array([1, 2, 3]), 'junk.safetensors'), QplayError);
  net.release();
});

const testImages = path.join(repoRoot, 'web/public/fmnist/t10k-images-idx3-ubyte.gz');
test('the bundled Fashion-MNIST test set loads through the core', async () => {
  assert.ok(existsSync(testImages), `${testImages} is missing: the build (scripts/make_fmnist_assets.mjs) writes it`);
  const qp = builds.simd;
  const data = await idxDataset(qp, new Uint8Array(readFileSync(testImages)),
    new Uint8Array(readFileSync(testImages.replace('images-idx3', 'labels-idx1'))));
  assert.equal(data.count, 10000);
  assert.deepEqual(data.sample, [1, 28, 28]);
  const counts = new Array(10).fill(0);
  for (const l of data.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));  // the test set is balanced
  const first = data.inputs(0, 1);
  assert.ok(first.every((v) => v >= 0 && v <= 1));
  data.release();
});

test('QAT: losses fall, the SIMD and scalar builds train bit-identically, finish() feeds the static engine', () => {
  const results = {};
  for (const [build, qp] of Object.entries(builds)) {
    const { bytes } = mlpStateDict(qp, 6);
    const net = qp.loadNetwork(bytes, 'mlp.safetensors');
    // Separable data: the label is the brightest of ten horizontal bands.
    const r = rng(8);
    const n = 256, x = new Float32Array(n * 784), labels = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      labels[s] = s % 10;
      for (let p = 0; p < 784; p++) x[s * 784 + p] = 0.2 * r() + (Math.floor(p / 78.4) === labels[s] ? 0.8 : 0);
    }
    const data = qp.datasetFromArrays(x, [n, 1, 28, 28], labels);
    const qat = net.startQat(data, { bits: 4, learningRate: 3e-3, batchSize: 32, seed: 5 });
    assert.equal(qat.stepsPerEpoch, 8);
    const losses = qat.step(40);
    assert.equal(qat.info().stepsDone, 40);
    const { network, ranges } = qat.finish();
    assert.equal(ranges.length, 2);
    const engine = network.prepare({ mode: 'static', bits: 4, ranges });
    const acc = qp.scorePredictions(engine.predict(data), labels, 10).accuracy;
    results[build] = { losses, acc };
    assert.ok(losses.slice(-8).reduce((a, b) => a + b) < 0.6 * losses.slice(0, 8).reduce((a, b) => a + b), `${build}: loss falls`);
    assert.ok(acc > 0.9, `${build}: static int4 after QAT ${acc}`);
    assert.throws(() => net.startQat(data, { learningRate: -1 }), /learning rate/);
    assert.throws(() => net.startQat(data, { bits: 1 }), QplayError);
    for (const h of [engine, network, net, data, qat]) h.release();
  }
  assert.ok(sameBytes(results.simd.losses, results.scalar.losses));
  assert.equal(results.simd.acc, results.scalar.acc);
});

test('QAT from GPTQ\'s weights (the page\'s recipe): the SIMD and scalar builds give the same bits; the start matters', () => {
  const results = {};
  for (const [build, qp] of Object.entries(builds)) {
    const { bytes } = mlpStateDict(qp, 6);
    const net = qp.loadNetwork(bytes, 'mlp.safetensors');
    const r = rng(9);
    const n = 256, x = new Float32Array(n * 784), labels = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      labels[s] = s % 10;
      for (let p = 0; p < 784; p++) x[s * 784 + p] = 0.2 * r() + (Math.floor(p / 78.4) === labels[s] ? 0.8 : 0);
    }
    const data = qp.datasetFromArrays(x, [n, 1, 28, 28], labels);
    const run = (gptqInit) => {
      const qat = net.startQat(data, { bits: 4, learningRate: 1e-3, batchSize: 32, seed: 5, weightCalibration: 'mse',
        distillation: 0.9, gptqInit });
      const losses = qat.step(8);
      const { network } = qat.finish();
      const encoded = network.encode();
      for (const h of [network, qat]) h.release();
      return { losses, encoded };
    };
    const fromGptq = run(true), fromFloat = run(false);
    assert.ok(!sameBytes(fromGptq.encoded, fromFloat.encoded), `${build}: the GPTQ start changes the tuned weights`);
    assert.notEqual(fromGptq.losses[0], fromFloat.losses[0], `${build}: and the first loss`);
    results[build] = fromGptq;
    for (const h of [net, data]) h.release();
  }
  assert.ok(sameBytes(results.simd.losses, results.scalar.losses));
  assert.ok(sameBytes(results.simd.encoded, results.scalar.encoded));
});

// Files exported by torch (scripts/fixtures/nn/make_nn_fixtures.py): the same predictions as torch.
const nnFixtures = path.join(repoRoot, 'tests/fixtures/nn');
const fileSource = (name) => {
  const bytes = new Uint8Array(readFileSync(path.join(nnFixtures, name)));
  return { name, size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) };
};

test('bring your own network: torch-exported ONNX and .pt files give torch\'s argmax on the npz test data', () => {
  for (const qp of Object.values(builds)) {
    const torchLogits = qp.readNpy(new Uint8Array(readFileSync(path.join(nnFixtures, 'cnn_bn.logits.npy'))));
    for (const file of ['cnn_bn.onnx', 'mlp_gemm.onnx', 'mlp_gemm.pt']) {
      const net = qp.loadNetwork([fileSource(file)]);
      const data = qp.datasetFromFiles([fileSource('dataset.npz')], net.info.input);
      const logitsFile = file === 'cnn_bn.onnx' ? torchLogits
        : qp.readNpy(new Uint8Array(readFileSync(path.join(nnFixtures, 'mlp_gemm.logits.npy'))));
      const [n, k] = logitsFile.shape;
      assert.equal(n, data.count, file);
      const predicted = net.prepare({ mode: 'float' }).predict(data);
      for (let s = 0; s < n; s++) {
        const row = Array.from(logitsFile.data.subarray(s * k, (s + 1) * k));
        assert.equal(predicted[s], row.indexOf(Math.max(...row)), `${file} sample ${s}`);
      }
      if (file === 'cnn_bn.onnx') assert.ok(net.warnings.some((w) => /Softmax/i.test(w)), net.warnings.join('; '));
      net.release();
      data.release();
    }
    assert.throws(() => qp.loadNetwork([fileSource('unsupported.onnx')]), /unsupported ONNX operators: .*Sigmoid/);
    assert.throws(() => qp.datasetFromFiles([fileSource('no_pair.npz')]), QplayError);
    const pair = qp.datasetFromFiles([fileSource('labels.npy'), fileSource('images.npy')], [1, 28, 28]);
    assert.deepEqual(pair.sample, [1, 28, 28]);
    pair.release();
  }
});
