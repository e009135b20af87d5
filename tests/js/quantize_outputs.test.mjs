// quantize() into the caller's arrays (its 4th argument): the same bits as fresh arrays, in both
// builds, the caller's arrays handed back, and wrong arrays refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay, QplayError } from '../../web/lib/qplay.mjs';
import { weightLike, sameBytes } from './helpers.mjs';

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

const FIELDS = ['codes', 'dequantized', 'scales', 'zeroPoints', 'observedMin', 'observedMax'];

test('outputs given: the same bits as fresh arrays, in the caller\'s arrays, in both builds', () => {
  const shapes = [[1], [15], [16], [17], [3, 33], [16, 12], [2, 5, 7], [64, 129]];
  const optionSets = [
    { bits: 8 }, { bits: 8, signed: false }, { bits: 8, mode: 'onnx' }, { bits: 4, scheme: 'symmetric', axis: 0 },
    { bits: 4, scheme: 'symmetric', axis: -1 }, { bits: 4, axis: -1, groupSize: 3 }, { bits: 4, axis: 0, groupSize: 2 },
  ];
  let checked = 0;
  for (const [si, shape] of shapes.entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = weightLike(1, n, 40 + si);
    for (const opts of optionSets) {
      for (const [name, qp] of Object.entries(builds)) {
        const what = `${name} ${JSON.stringify({ shape, ...opts })}`;
        const fresh = qp.quantize(x, shape, opts);
        const outputs = { codes: fresh.signed ? new Int8Array(n).fill(77) : new Uint8Array(n).fill(77),
          dequantized: new Float32Array(n).fill(-5) };
        const into = qp.quantize(x, shape, opts, outputs);
        assert.equal(into.codes, outputs.codes, what);
        assert.equal(into.dequantized, outputs.dequantized, what);
        for (const key of FIELDS) assert.ok(sameBytes(into[key], fresh[key]), `${key} differ for ${what}`);
        assert.deepEqual(into.metrics, fresh.metrics, what);
        // Only one of the two given: the other comes back fresh, same bits.
        const half = qp.quantize(x, shape, opts, { dequantized: new Float32Array(n) });
        assert.ok(sameBytes(half.codes, fresh.codes), what);
        assert.ok(sameBytes(half.dequantized, fresh.dequantized), what);
        checked++;
      }
    }
  }
  assert.equal(checked, 8 * 7 * 2);
  // The SIMD and scalar builds agree into the caller's arrays too.
  const x = weightLike(64, 129, 9);
  const a = { codes: new Int8Array(x.length), dequantized: new Float32Array(x.length) };
  const b = { codes: new Int8Array(x.length), dequantized: new Float32Array(x.length) };
  builds.simd.quantize(x, [64, 129], { bits: 4, axis: 1, groupSize: 32 }, a);
  builds.scalar.quantize(x, [64, 129], { bits: 4, axis: 1, groupSize: 32 }, b);
  assert.ok(sameBytes(a.codes, b.codes) && sameBytes(a.dequantized, b.dequantized));
});

test('outputs reused across calls are overwritten with each call\'s results', () => {
  const qp = builds.simd;
  const n = 1000;
  const outputs = { codes: new Int8Array(n), dequantized: new Float32Array(n) };
  for (const seed of [1, 2, 3]) {
    const x = weightLike(10, 100, seed);
    const fresh = qp.quantize(x, [10, 100], { bits: 8, axis: 0 });
    qp.quantize(x, [10, 100], { bits: 8, axis: 0 }, outputs);
    assert.ok(sameBytes(outputs.codes, fresh.codes) && sameBytes(outputs.dequantized, fresh.dequantized), `seed ${seed}`);
  }
});

test('wrong output arrays are refused with a QplayError naming the expected array', () => {
  const qp = builds.simd;
  const x = weightLike(4, 8, 1);
  const cases = [
    [{ codes: new Uint8Array(32) }, { bits: 8 }, /outputs\.codes must be an Int8Array of 32 elements/],
    [{ codes: new Int8Array(32) }, { bits: 8, signed: false }, /outputs\.codes must be a Uint8Array of 32/],
    [{ codes: new Int8Array(31) }, { bits: 8 }, /outputs\.codes must be an Int8Array of 32/],
    [{ dequantized: new Float64Array(32) }, { bits: 8 }, /outputs\.dequantized must be a Float32Array of 32/],
    [{ dequantized: [0, 1] }, { bits: 8 }, /outputs\.dequantized must be a Float32Array/],
  ];
  for (const [outputs, opts, message] of cases) {
    assert.throws(() => qp.quantize(x, [4, 8], opts, outputs), (e) => e instanceof QplayError && message.test(e.message));
  }
  // null / undefined outputs: fresh arrays, as without the argument.
  assert.ok(qp.quantize(x, [4, 8], {}, null).codes instanceof Int8Array);
  assert.ok(qp.quantize(x, [4, 8], {}, undefined).dequantized instanceof Float32Array);
});
