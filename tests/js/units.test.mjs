// The page's unit helpers (web/app/units.mjs) against the core: gathering every unit covers each
// value once, and the per-unit MSE the core reports equals the MSE of the gathered unit values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { bucketMax, unitCount, unitName, unitValues } from '../../web/app/units.mjs';
import { weightLike } from './helpers.mjs';

const qp = await loadQplay();

const CASES = [
  { shape: [17], axis: null, group: 0 }, { shape: [17], axis: 0, group: 0 }, { shape: [17], axis: 0, group: 16 },
  { shape: [3, 7], axis: 1, group: 0 }, { shape: [15, 33], axis: 1, group: 16 }, { shape: [15, 33], axis: 0, group: 4 },
  { shape: [2, 5, 9], axis: 1, group: 2 }, { shape: [2, 5, 9], axis: -1, group: 4 }, { shape: [1, 1], axis: 0, group: 1 },
];

test('units partition the tensor and match the core\'s per-unit MSE', () => {
  for (const [ci, { shape, axis, group }] of CASES.entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Values are their own indices: gathering shows which indices a unit holds.
    const index = Float32Array.from({ length: n }, (_, i) => i);
    const units = unitCount(shape, axis, group);
    const seen = new Uint8Array(n);
    for (let u = 0; u < units; u++) for (const i of unitValues(index, shape, axis, group, u)) seen[i]++;
    assert.ok(seen.every((c) => c === 1), `every index in exactly one unit for ${JSON.stringify(shape)} axis ${axis} g${group}`);

    const x = weightLike(1, n, 40 + ci);
    const r = qp.runScheme(x, shape, { format: 'int', bits: 3, axis, groupSize: group || null });
    assert.equal(r.units, units);
    for (let u = 0; u < units; u++) {
      const a = unitValues(x, shape, axis, group, u), b = unitValues(r.dequantized, shape, axis, group, u);
      let s = 0;
      for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
      const mse = s / a.length;
      assert.ok(Math.abs(mse - r.unitMse[u]) <= 1e-12 + 1e-9 * mse, `unit ${u} of ${JSON.stringify(shape)}: ${mse} vs ${r.unitMse[u]}`);
    }
  }
});

test('unit names say where the unit is', () => {
  assert.equal(unitName([4, 64], null, 0, 0), 'the whole tensor');
  assert.equal(unitName([4, 64], 0, 0, 3), 'channel 3 (axis 0)');
  assert.equal(unitName([4, 64], 1, 32, 3), 'group 1 of row 1 (values 32–63 along axis 1)');
  assert.equal(unitName([64, 4], 0, 32, 5), 'group 1 of column 1 (values 32–63 along axis 0)');
  assert.equal(unitName([2, 3, 10], -1, 4, 8), 'group 2 at [0, 2] (values 8–9 along axis 2)');
});

test('bucketMax keeps the largest value of each bucket', () => {
  const v = Float64Array.from({ length: 10 }, (_, i) => (i === 7 ? 100 : i));
  assert.deepEqual(Array.from(bucketMax(v, 20).value), Array.from(v));
  const b = bucketMax(v, 3);
  assert.deepEqual(Array.from(b.first), [0, 3, 6]);
  assert.deepEqual(Array.from(b.count), [3, 3, 4]);
  assert.deepEqual(Array.from(b.value), [2, 5, 100]);
  assert.deepEqual(Array.from(b.at), [2, 5, 7]);
});
