// GPTQ weight calibration through the JS API and `qplay eval` (the algorithm itself is tested in
// tests/cpp/test_gptq.cpp): H from the calibration images, the CLI row equal to the API's, a
// diagonal H giving round-to-nearest, and a clear error without calibration data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { BUNDLED, CALIBRATION_SAMPLES, idxDataset } from '../../web/lib/datasets.mjs';
import { rng } from '../../web/app/tensors.mjs';
import { repoRoot } from './helpers.mjs';

const cli = path.join(repoRoot, 'web/cli/qplay.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'qplay-gptq-'));
const qp = await loadQplay();

// A seeded stand-in MLP (784-32-10): does not depend on the trained weights.
const r = rng(23);
const dense = (name, inF, outF) => [
  { name: `${name}.weight`, shape: [outF, inF], data: new Float32Array(outF * inF).map(() => (r() - 0.5) * 2 / Math.sqrt(inF)) },
  { name: `${name}.bias`, shape: [outF], data: new Float32Array(outF).map(() => (r() - 0.5) * 0.1) },
];
const model = path.join(work, 'mlp.safetensors');
writeFileSync(model, qp.encodeSafetensors([...dense('fc1', 784, 32), ...dense('fc2', 32, 10)]));

const bundled = (kind) => idxDataset(qp, new Uint8Array(readFileSync(path.join(repoRoot, 'web/public', BUNDLED[kind].images))),
  new Uint8Array(readFileSync(path.join(repoRoot, 'web/public', BUNDLED[kind].labels))));
const LIMIT = 300;
const INT3_G32 = { mode: 'weight-only', bits: 3, granularity: 'group', groupSize: 32, scheme: 'affine' };

function predictions(net, testData, options) {
  const engine = net.prepare(options);
  try {
    return engine.predict(testData, 0, LIMIT);
  } finally {
    engine.release();
  }
}

test('qplay eval --weight-calibration gptq: the row the API gives with H from the first calibration images', async () => {
  const res = spawnSync(process.execPath, [cli, 'eval', model, '--limit', String(LIMIT), '--mode', 'weight-only', '--bits', '3',
    '--group-size', '32', '--scheme', 'affine', '--weight-calibration', 'gptq', '--timing-runs', '0', '--json'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const row = JSON.parse(res.stdout).rows[1];
  assert.equal(row.label, 'weight-only int3 g32 affine gptq');

  const [testData, train] = await Promise.all([bundled('test'), bundled('train')]);
  const net = qp.loadNetwork(new Uint8Array(readFileSync(model)), 'mlp.safetensors');
  try {
    const hessians = net.inputHessians(train, { count: CALIBRATION_SAMPLES });
    assert.deepEqual(hessians.map((h) => h.length), [784 * 784, 32 * 32]);
    assert.ok(hessians.every((h) => h instanceof Float64Array));
    const gptq = predictions(net, testData, { ...INT3_G32, weightCalibration: 'gptq', hessians });
    const score = qp.scorePredictions(gptq, testData.labels.subarray(0, LIMIT), 10);
    assert.equal(row.correct, score.correct);
    assert.deepEqual(row.confusion, Array.from(score.confusion));
    // Error compensation changes weights: some predictions differ from round-to-nearest.
    const rtn = predictions(net, testData, INT3_G32);
    assert.ok(gptq.some((p, i) => p !== rtn[i]), 'gptq predicted exactly as round-to-nearest');
  } finally {
    net.release();
    testData.release();
    train.release();
  }
});

test('a diagonal H (uncorrelated inputs) gives exactly round-to-nearest', async () => {
  const testData = await bundled('test');
  const net = qp.loadNetwork(new Uint8Array(readFileSync(model)), 'mlp.safetensors');
  try {
    const diagonal = (n) => {
      const h = new Float64Array(n * n);
      for (let i = 0; i < n; i++) h[i * n + i] = 1 + (i % 5);
      return h;
    };
    const rtn = predictions(net, testData, INT3_G32);
    const gptq = predictions(net, testData, { ...INT3_G32, weightCalibration: 'gptq', hessians: [diagonal(784), diagonal(32)] });
    assert.deepEqual(Array.from(gptq), Array.from(rtn));
  } finally {
    net.release();
    testData.release();
  }
});

test('gptq without calibration data, or with H of the wrong size, is a clear error', () => {
  const net = qp.loadNetwork(new Uint8Array(readFileSync(model)), 'mlp.safetensors');
  try {
    assert.throws(() => net.prepare({ ...INT3_G32, weightCalibration: 'gptq' }), /needs calibration data/);
    assert.throws(() => net.prepare({ ...INT3_G32, weightCalibration: 'gptq', hessians: [new Float64Array(4), new Float64Array(4)] }),
      /784² = 614656/);
    assert.throws(() => net.prepare({ ...INT3_G32, weightCalibration: 'gptq-median' }), /unknown calibration 'median'/);
  } finally {
    net.release();
  }
});
