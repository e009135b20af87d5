// `qplay eval` as a user runs it: the Network table (JSON and text), its agreement with the API,
// and one-line errors. Uses a seeded stand-in MLP so it does not depend on the trained weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { BUNDLED, idxDataset } from '../../web/lib/datasets.mjs';
import { rng } from '../../web/app/tensors.mjs';
import { repoRoot } from './helpers.mjs';

const cli = path.join(repoRoot, 'web/cli/qplay.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'qplay-eval-'));
const qp = await loadQplay();

function qplay(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Pixel-template "network": fc1 rows are noisy copies of training images, so it does better than chance.
const r = rng(11);
const dense = (name, inF, outF) => [
  { name: `${name}.weight`, shape: [outF, inF], data: new Float32Array(outF * inF).map(() => (r() - 0.5) * 2 / Math.sqrt(inF)) },
  { name: `${name}.bias`, shape: [outF], data: new Float32Array(outF).map(() => (r() - 0.5) * 0.1) },
];
const model = path.join(work, 'mlp.safetensors');
writeFileSync(model, qp.encodeSafetensors([...dense('fc1', 784, 32), ...dense('fc2', 32, 10)]));

test('eval --json gives one row per standard mode, float first, and agrees with the API', async () => {
  const res = qplay('eval', model, '--limit', '300', '--json', '--timing-runs', '0');
  assert.equal(res.code, 0, res.err);
  const out = JSON.parse(res.out);
  assert.equal(out.samples, 300);
  assert.deepEqual(out.rows.map((x) => x.mode), ['float', 'weight-only', 'weight-only', 'dynamic', 'static']);
  assert.equal(out.rows[0].deltaPp, 0);
  assert.equal(out.ranges.length, 2);
  for (const row of out.rows.slice(1)) assert.ok(row.modelBytes < out.rows[0].modelBytes, row.label);
  // The same numbers through the API: same core, same data.
  const test = await idxDataset(qp, new Uint8Array(readFileSync(path.join(repoRoot, 'web/public', BUNDLED.test.images))),
    new Uint8Array(readFileSync(path.join(repoRoot, 'web/public', BUNDLED.test.labels))));
  const net = qp.loadNetwork(new Uint8Array(readFileSync(model)), 'mlp.safetensors');
  const engine = net.prepare({ mode: 'dynamic' });
  const score = qp.scorePredictions(engine.predict(test, 0, 300), test.labels.subarray(0, 300), 10);
  assert.equal(out.rows[3].correct, score.correct);
  const confusionTotal = out.rows[3].confusion.reduce((a, b) => a + b, 0);
  assert.equal(confusionTotal, 300);
  engine.release();
  net.release();
  test.release();
});

test('eval prints a table; chosen modes get a float row for the comparison', () => {
  const res = qplay('eval', model, '--limit', '100', '--mode', 'static,weight-only', '--bits', '4', '--timing-runs', '5');
  assert.equal(res.code, 0, res.err);
  const lines = res.out.trim().split('\n');
  assert.match(lines[0], /mlp\.safetensors: 25450 parameters, 100 test samples/);
  assert.match(lines[2], /^float32 /);
  assert.match(lines[3], /^static int4 /);
  assert.match(lines[4], /^weight-only int4 /);
  assert.match(lines[3], /%\s+-?\d+\.\d\d\s+\d+\.\d\s+\d+\.\d\s+\d+$/);
});

test('eval --weight-calibration mse: each group\'s clip range by MSE, a different table row', () => {
  const run = (calibration) => {
    const res = qplay('eval', model, '--limit', '300', '--mode', 'weight-only', '--bits', '3', '--group-size', '32',
      '--scheme', 'affine', '--weight-calibration', calibration, '--timing-runs', '0', '--json');
    assert.equal(res.code, 0, res.err);
    return JSON.parse(res.out).rows[1];
  };
  const minmax = run('minmax'), mse = run('mse');
  assert.equal(minmax.label, 'weight-only int3 g32 affine');
  assert.equal(mse.label, 'weight-only int3 g32 affine mse');
  assert.equal(mse.modelBytes, minmax.modelBytes);  // same layout, other ranges
  // Other clip ranges give other weights: at 3 bits some of the 300 predictions change (the JSON
  // has no predictions; the confusion matrix shows them).
  assert.notDeepEqual(mse.confusion, minmax.confusion, 'mse and minmax predicted the same');
});

test('eval --mode qat starts from GPTQ\'s weights at ≥ 4 bits, or as --qat-init says', () => {
  const run = (bits, ...extra) => {
    const res = qplay('eval', model, '--limit', '300', '--mode', 'qat', '--bits', String(bits), '--qat-steps', '4',
      '--timing-runs', '0', '--json', ...extra);
    assert.equal(res.code, 0, res.err);
    return JSON.parse(res.out).rows[1];
  };
  const byDefault = run(4), gptq = run(4, '--qat-init', 'gptq'), float = run(4, '--qat-init', 'float');
  assert.equal(byDefault.label, 'qat int4');
  assert.equal(float.label, 'qat int4 float start');
  assert.equal(gptq.label, 'qat int4 gptq start');
  assert.deepEqual(gptq.confusion, byDefault.confusion);  // at 4 bits the default is the GPTQ start
  // 4 steps at lr 1e-4 barely move the weights: where they start shows in the predictions.
  assert.notDeepEqual(float.confusion, byDefault.confusion, 'the GPTQ and float starts predicted the same');
  // At 3 bits the default is the float start.
  assert.deepEqual(run(3).confusion, run(3, '--qat-init', 'float').confusion);
  assert.notDeepEqual(run(3, '--qat-init', 'gptq').confusion, run(3).confusion);
});

test('eval errors are one line with the reason', () => {
  const cases = [
    [['eval', model, '--mode', 'int3'], /unknown mode 'int3'/],
    [['eval', path.join(work, 'missing.safetensors')], /does not exist/],
    [['eval', model, '--data', model], /not a .npz or .npy/],
    [['eval', model, '--mode', 'dynamic', '--granularity', 'group', '--group-size', '32'], /weight-only/],
    [['eval', model, '--limit', 'x'], /positive integer/],
    [['eval', model, '--mode', 'weight-only', '--weight-calibration', 'median'], /unknown calibration 'median'/],
    [['eval', model, '--mode', 'qat', '--qat-init', 'gptq-mse'], /--qat-init must be auto, gptq or float/],
  ];
  for (const [args, message] of cases) {
    const res = qplay(...args);
    assert.notEqual(res.code, 0, args.join(' '));
    assert.match(res.err, message);
    assert.equal(res.err.trim().split('\n').length, 1, res.err);
  }
});
