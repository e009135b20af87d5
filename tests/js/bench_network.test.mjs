// Smoke test of the network benchmark (scripts/bench_network.mjs) on the committed fixture of
// tests/fixtures/bench_network/ (a 784-16-10 MLP and its ONNX exports, written by
// scripts/bench/network_fixture.mjs), so no Python is needed: the runner loads ours and ORT, the
// cross-check passes on the faithful exports and flags the perturbed ones (which are then not timed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.mjs';
import { runNetworkBench, formatMarkdown } from '../../scripts/bench_network.mjs';

const dir = path.join(repoRoot, 'tests/fixtures/bench_network');
const f = (name) => path.join(dir, name);
const quiet = { log: () => {} };
const common = ['--models', f('tiny.safetensors'), '--quick', '--limit', '300', '--latency-runs', '5', '--no-save'];

test('network bench: ours and ORT agree on the faithful exports, and every runner is timed', async () => {
  const { result } = await runNetworkBench([...common,
    '--onnx', `float=${f('tiny.float.onnx')},qdq=${f('tiny.qdq.onnx')},qop=${f('tiny.qop.onnx')}`], quiet);
  const [m] = result.models;
  // The fixture's ONNX grids were made from these ranges: a change in the core's calibration makes
  // the fixture stale (regenerate it with node scripts/bench/network_fixture.mjs).
  assert.deepEqual(m.ranges, JSON.parse(readFileSync(f('tiny.ranges.json'), 'utf8')).ranges);
  assert.equal(m.count, 300);
  assert.deepEqual(m.rows.map((r) => r.name),
    ['ours float32', 'ours static int8', 'ours static int8 fixed-point', 'ours dynamic int8', 'ORT float32', 'ORT int8 QDQ',
      'ORT int8 QOperator']);
  for (const r of m.rows) {
    assert.ok(r.agrees, `${r.name}: ${JSON.stringify(r.check)}`);
    assert.ok(r.imagesPerSecond > 0 && r.batch1MedianUs > 0, `${r.name} was timed`);
    assert.ok(r.accuracy > 0.3, `${r.name}: accuracy ${r.accuracy} (the fixture classifies ~45%)`);
  }
  const ortFloat = m.rows.find((r) => r.name === 'ORT float32');
  assert.ok(ortFloat.check.maxAbsLogitDiff < 1e-3, `float logits differ by ${ortFloat.check.maxAbsLogitDiff}`);
  assert.ok(result.ok);
  assert.ok(m.ratios.oursInt8OverOrtInt8.throughput > 0 && m.ratios.oursInt8OverOursFloat.latency > 0);
  const md = formatMarkdown(result);
  assert.match(md, /\| ours int8 \/ ORT int8 \(best form by img\/s: ORT int8 (QDQ|QOperator); per CPU-s: ORT int8 (QDQ|QOperator)/);
  assert.match(md, /Load average \(1, 5, 15 min\): before [\d.]+ [\d.]+ [\d.]+, after/);
});

test('network bench: a perturbed ONNX model is reported as disagreeing and not timed', async () => {
  const { result } = await runNetworkBench([...common, '--forms', 'qdq',
    '--onnx', `float=${f('tiny-perturbed.float.onnx')},qdq=${f('tiny-perturbed.qdq.onnx')}`], quiet);
  const [m] = result.models;
  assert.equal(result.ok, false);
  for (const name of ['ORT float32', 'ORT int8 QDQ']) {
    const r = m.rows.find((x) => x.name === name);
    assert.equal(r.agrees, false, `${name} should disagree: ${JSON.stringify(r.check)}`);
    assert.ok(r.check.differ > r.check.tolerance);
    assert.equal(r.imagesPerSecond, null);
  }
  for (const r of m.rows.filter((x) => x.side === 'ours')) assert.ok(r.agrees && r.imagesPerSecond > 0);
  assert.match(formatMarkdown(result), /DISAGREES: not timed/);
});
