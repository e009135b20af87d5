// The sweeps of web/lib/network_sweeps.mjs (bit-width curve, sensitivity report) against accuracies
// counted here in JS from each engine's predictions, on a small seeded MLP and seeded data whose
// labels are the float network's own predictions (so float scores 100% and drops show).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { QAT_DEFAULTS, qatStartsFromGptq } from '../../web/lib/network_eval.mjs';
import { CURVE_QAT_MODE, bitWidthCurve, sensitivityReport, softmax, weightedLayers } from '../../web/lib/network_sweeps.mjs';
import { rng } from '../../web/app/tensors.mjs';

const qp = await loadQplay();

function setup(seed = 3, count = 240) {
  const r = rng(seed);
  const layer = (name, inF, outF) => [
    { name: `${name}.weight`, shape: [outF, inF], data: new Float32Array(outF * inF).map(() => (r() - 0.5) * 4 / Math.sqrt(inF)) },
    { name: `${name}.bias`, shape: [outF], data: new Float32Array(outF).map(() => (r() - 0.5) * 0.2) }];
  const net = qp.loadNetwork(qp.encodeSafetensors([...layer('fc1', 784, 32), ...layer('fc2', 32, 16), ...layer('fc3', 16, 10)]));
  const x = new Float32Array(count * 784).map(() => r());
  const unlabelled = qp.datasetFromArrays(x, [count, 1, 28, 28]);
  const float = net.prepare({ mode: 'float' });
  const labels = float.predict(unlabelled);
  float.release();
  unlabelled.release();
  const data = qp.datasetFromArrays(x, [count, 1, 28, 28], labels);
  return { net, data, ranges: net.calibrate(data, { count: 100 }) };
}

/** Accuracy counted in JS from the core's predictions, and the engine's size. */
function countAccuracy(net, data, options, limit = data.count) {
  const e = net.prepare(options);
  const p = e.predict(data, 0, limit);
  let correct = 0;
  for (let i = 0; i < limit; i++) correct += p[i] === data.labels[i] ? 1 : 0;
  const out = { accuracy: correct / limit, modelBytes: e.info.modelBytes };
  e.release();
  return out;
}

test('bitWidthCurve: each point is that setting\'s accuracy; progress reaches the total; limit is honoured', async () => {
  const { net, data, ranges } = setup();
  const ticks = [];
  const curve = await bitWidthCurve(qp, net, data, { bits: [8, 4, 2], ranges, limit: 200,
    tick: async (done, total) => { ticks.push([done, total]); } });
  assert.equal(curve.count, 200);
  assert.equal(curve.float.accuracy, 1);
  assert.deepEqual(curve.series.map((s) => s.mode), ['static', 'weight-only']);
  for (const s of curve.series) {
    assert.deepEqual(s.points.map((p) => p.bits), [8, 4, 2]);
    for (const p of s.points) {
      const want = countAccuracy(net, data, { mode: s.mode, bits: p.bits, granularity: 'channel', ranges }, 200);
      assert.equal(p.accuracy, want.accuracy, `${s.mode} ${p.bits} bits`);
      assert.equal(p.modelBytes, want.modelBytes);
      assert.ok(Math.abs(p.deltaPp - 100 * (p.accuracy - 1)) < 1e-12);
    }
  }
  // 2-bit weights must hurt this network (else the test could not tell the settings apart).
  assert.ok(curve.series[1].points[2].accuracy < curve.series[1].points[0].accuracy);
  const [lastDone, total] = ticks.at(-1);
  assert.equal(lastDone, total);
  assert.equal(total, 7 * 200);
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i][0] >= ticks[i - 1][0], 'progress never goes back');
  await assert.rejects(bitWidthCurve(qp, net, data, { bits: [8] }), /ranges/);
});

test('bitWidthCurve with QAT: each point is a fresh fine-tuning at that bit width, then its static engine', async () => {
  const { net, data, ranges } = setup(5, 200);
  const ticks = [];
  const steps = 3;
  const curve = await bitWidthCurve(qp, net, data, { modes: [{ ...CURVE_QAT_MODE, steps }], bits: [8, 3], ranges, trainData: data,
    limit: 150, tick: async (done, total) => { ticks.push([done, total]); } });
  assert.deepEqual(curve.series.map((s) => s.mode), ['qat']);
  for (const p of curve.series[0].points) {
    // The same training done by hand through the QAT handle (the recipe's stated defaults: MSE
    // weight ranges, distillation 0.9, the GPTQ start at ≥ 4 bits only), then the static engine on its
    // ranges and that weight grid.
    const qat = net.startQat(data, { bits: p.bits, granularity: 'channel', learningRate: 1e-4, batchSize: 64, seed: 0,
      weightCalibration: 'mse', distillation: 0.9, gptqInit: p.bits >= 4 });
    qat.step(steps);
    const tuned = qat.finish();
    qat.release();
    const want = countAccuracy(tuned.network, data, { mode: 'static', bits: p.bits, granularity: 'channel', ranges: tuned.ranges,
      weightCalibration: 'mse' }, 150);
    tuned.network.release();
    assert.equal(p.accuracy, want.accuracy, `QAT ${p.bits} bits`);
    assert.equal(p.modelBytes, want.modelBytes);
  }
  const [lastDone, total] = ticks.at(-1);
  assert.equal(lastDone, total);
  assert.equal(total, (1 + 2 + 2) * 150);  // float, two evaluations, two trainings
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i][0] >= ticks[i - 1][0], 'progress never goes back');
  await assert.rejects(bitWidthCurve(qp, net, data, { modes: [CURVE_QAT_MODE], bits: [8] }), /training data/);
});

test('the QAT defaults are the recipe the test above spells out', () => {
  assert.deepEqual({ ...QAT_DEFAULTS }, { weightCalibration: 'mse', distillation: 0.9, learningRate: 1e-4, gptqInit: 'auto' });
  assert.equal(qatStartsFromGptq({ bits: 4 }), true);
  assert.equal(qatStartsFromGptq({ bits: 3 }), false);
  assert.equal(qatStartsFromGptq({ bits: 3, gptqInit: true }), true);
  assert.equal(qatStartsFromGptq({ bits: 8, gptqInit: false }), false);
  assert.equal(qatStartsFromGptq({ bits: 4, layerBits: [8, 0, 4] }), true);
  assert.equal(qatStartsFromGptq({ bits: 4, layerBits: [8, 3, 4] }), false);
});

test('sensitivityReport: one layer at a time, then the most sensitive kept in float', async () => {
  const { net, data, ranges } = setup(5);
  const bits = 3;
  const rep = await sensitivityReport(qp, net, data, { bits, ranges });
  const layers = weightedLayers(net);
  assert.deepEqual(layers.map((l) => l.name), ['fc1', 'fc2', 'fc3']);
  assert.equal(rep.layers.length, 3);
  for (const row of rep.layers) {
    const layerBits = layers.map((l) => (l.index === row.index ? bits : 0));
    const want = countAccuracy(net, data, { mode: 'static', bits, layerBits, ranges });
    assert.equal(row.accuracy, want.accuracy, row.name);
    assert.ok(Math.abs(row.dropPp - 100 * (1 - want.accuracy)) < 1e-12);
  }
  const order = [...rep.layers].sort((a, b) => b.dropPp - a.dropPp || a.index - b.index).map((r) => r.index);
  assert.deepEqual(rep.keepFloat.map((r) => r.k), [0, 1, 2]);
  for (const row of rep.keepFloat) {
    assert.deepEqual(row.floatLayers, order.slice(0, row.k));
    const layerBits = layers.map((l) => (row.floatLayers.includes(l.index) ? 0 : bits));
    const want = countAccuracy(net, data, { mode: 'static', bits, layerBits, ranges });
    assert.equal(row.accuracy, want.accuracy, `k = ${row.k}`);
    assert.equal(row.modelBytes, want.modelBytes);
  }
  // Keeping layers in float makes the model bigger.
  assert.ok(rep.keepFloat[2].modelBytes > rep.keepFloat[0].modelBytes);
});

test('a tick that throws cancels a sweep', async () => {
  const { net, data, ranges } = setup();
  let calls = 0;
  const cancel = async () => {
    if (++calls === 3) throw Object.assign(new Error('cancelled'), { name: 'Cancelled' });
  };
  await assert.rejects(sensitivityReport(qp, net, data, { bits: 8, ranges, tick: cancel }), { name: 'Cancelled' });
  assert.equal(calls, 3);
});

test('softmax: probabilities in [0, 1] summing to 1, largest logit most likely, no overflow', () => {
  const p = softmax(new Float32Array([1000, 999, -5]));
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(p[0] > p[1] && p[1] > p[2]);
  assert.ok(Math.abs(p[0] / p[1] - Math.E) < 1e-9);
});
