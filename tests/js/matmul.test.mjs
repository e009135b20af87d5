// The matmul API (prepareMatmul, matmulInteger) against a plain JS loop written from ONNX
// MatMulInteger's definition, in both WebAssembly builds, plus its error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay, QplayError } from '../../web/lib/qplay.mjs';
import { rng } from '../../web/app/tensors.mjs';

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

function randomCodes(Type, n, seed) {
  const r = rng(seed);
  const out = new Type(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256) - (Type === Int8Array ? 128 : 0);
  return out;
}

function reference(a, b, m, k, n, za, zb) {
  const c = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[i * k + p] - za) * (b[p * n + j] - zb[zb.length === 1 ? 0 : j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

for (const [name, qp] of Object.entries(builds)) {
  test(`${name}: matmulInteger equals Σ(a − za)(b − zb) on edge shapes, both signednesses`, () => {
    let seed = 1;
    for (const [m, k, n] of [[1, 1, 1], [1, 784, 17], [3, 15, 16], [7, 17, 33], [16, 33, 8], [17, 64, 15]]) {
      for (const [AType, BType] of [[Uint8Array, Int8Array], [Int8Array, Int8Array], [Uint8Array, Uint8Array]]) {
        const a = randomCodes(AType, m * k, seed++), b = randomCodes(BType, k * n, seed++);
        const za = AType === Int8Array ? -7 : 131;
        const zb = Array.from({ length: n }, (_, j) => (BType === Int8Array ? (j % 5) - 2 : 120 + j % 7));
        const want = reference(a, b, m, k, n, za, zb);
        assert.deepEqual(qp.matmulInteger(a, [m, k], b, [k, n], { aZeroPoint: za, bZeroPoint: zb }), want,
          `${m}×${k}×${n} ${AType.name}·${BType.name}`);
        const plan = qp.prepareMatmul({ kind: 'int8-ref', a, b, m, k, n, aZeroPoint: za, bZeroPoints: zb });
        plan.run(2);
        assert.deepEqual(plan.output(), want);
        plan.release();
      }
    }
  });

  test(`${name}: float32 matmul equals the in-order JS sum (Math.fround at every step)`, () => {
    const [m, k, n] = [5, 19, 9];
    const r = rng(3);
    const a = Float32Array.from({ length: m * k }, () => r() - 0.5);
    const b = Float32Array.from({ length: k * n }, () => r() - 0.5);
    const want = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[i * k + p] * b[p * n + j]));
        want[i * n + j] = s;
      }
    }
    for (const kind of ['f32', 'f32-ref']) {
      const plan = qp.prepareMatmul({ kind, a, b, m, k, n });
      plan.run();
      assert.deepEqual(plan.output(), want, kind);
      plan.release();
    }
  });

  test(`${name}: bad matmul arguments give clear errors`, () => {
    const a = new Uint8Array(6), b = new Int8Array(6);
    assert.throws(() => qp.matmulInteger(a, [2, 3], b, [2, 3]), /inner dimensions differ/);
    assert.throws(() => qp.matmulInteger(a, [2, 3], b, [3, 2], { aZeroPoint: 300 }),
      (e) => e instanceof QplayError && /input zero point 300 is outside the code range \[0, 255\]/.test(e.message));
    assert.throws(() => qp.matmulInteger(a, [2, 3], b, [3, 2], { bZeroPoint: [1, 2, 3] }), /expected 1 or 2 weight zero points/);
    assert.throws(() => qp.prepareMatmul({ a, b, m: 2, k: 4, n: 2 }), /A has 6 values, expected 2×4/);
    assert.throws(() => qp.prepareMatmul({ kind: 'int4', a, b, m: 2, k: 3, n: 2 }), /unknown kind 'int4'/);
    assert.throws(() => qp.prepareMatmul({ a: new Float32Array(6), b, m: 2, k: 3, n: 2 }), /must be a Uint8Array or an Int8Array/);
  });
}

test('the SIMD build reports the peak loop work as a checksum (nonzero), the scalar build does no work', () => {
  assert.notEqual(builds.simd.peakLoop(1000), 0);
  assert.equal(builds.scalar.peakLoop(1000), 0);
});

// Round half to even, as nearbyint: the rounding of ONNX and of the float requantization.
const roundHalfEven = (x) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
};

for (const [name, qp] of Object.entries(builds)) {
  test(`${name}: dynamicQuantize equals DynamicQuantizeLinear's formula, per matrix and per row`, () => {
    const r = rng(11);
    const x = Float32Array.from({ length: 3 * 17 }, () => Math.fround(Math.max(0, r() * 3 - 0.5) - 0.1));
    const formula = (v) => {
      const mn = Math.min(0, ...v), mx = Math.max(0, ...v);
      const scale = Math.fround(Math.fround(mx - mn) / 255);
      const zp = Math.min(255, Math.max(0, roundHalfEven(Math.fround(0 - Math.fround(mn / scale)))));
      return { scale, zp, codes: Array.from(v, (t) => Math.min(255, Math.max(0, roundHalfEven(Math.fround(t / scale)) + zp))) };
    };
    const whole = qp.dynamicQuantize(x, [3, 17]);
    const want = formula(x);
    assert.equal(whole.scales[0], want.scale);
    assert.equal(whole.zeroPoints[0], want.zp);
    assert.deepEqual(Array.from(whole.codes), want.codes);
    const rows = qp.dynamicQuantize(x, [3, 17], { perRow: true });
    for (let i = 0; i < 3; i++) {
      const w = formula(x.subarray(i * 17, (i + 1) * 17));
      assert.equal(rows.scales[i], w.scale);
      assert.deepEqual(Array.from(rows.codes.subarray(i * 17, (i + 1) * 17)), w.codes);
    }
    assert.throws(() => qp.dynamicQuantize(new Float32Array([1, NaN]), [1, 2]), /NaN or infinity/);
    assert.throws(() => qp.dynamicQuantize(x, [4, 17]), /does not match/);
  });

  test(`${name}: requantize (float) equals its formula; fixed point within one code; bad options refused`, () => {
    const r = rng(12);
    const [m, n] = [3, 9];
    const acc = Int32Array.from({ length: m * n }, () => Math.floor(r() * 200001) - 100000);
    const bias = Int32Array.from({ length: n }, (_, j) => j * 37 - 100);
    const mults = Float32Array.from({ length: n }, (_, j) => 0.0004 * (j + 1));
    const got = qp.requantize(acc, [m, n], { multipliers: mults, bias, zeroPoint: 3 });
    assert.ok(got instanceof Int8Array);
    const want = Array.from(acc, (a, i) => {
      const v = roundHalfEven(Math.fround(Math.fround(a + bias[i % n]) * mults[i % n])) + 3;
      return Math.min(127, Math.max(-128, v));
    });
    assert.deepEqual(Array.from(got), want);
    const fixed = qp.requantize(acc, [m, n], { method: 'fixed-point', multipliers: mults, bias, zeroPoint: 3 });
    assert.ok(Array.from(fixed).every((v, i) => Math.abs(v - want[i]) <= 1));
    const relu = qp.requantize(acc, [m, n], { multipliers: 0.001, zeroPoint: 10, qmin: 10, qmax: 255 });
    assert.ok(relu instanceof Uint8Array && relu.every((v) => v >= 10));
    assert.throws(() => qp.requantize(acc, [m, n], { multipliers: [1, 2] }), /expected 1 or 9 multipliers/);
    assert.throws(() => qp.requantize(acc, [m, n], { multipliers: 1, method: 'magic' }), /unknown method 'magic'/);
    assert.throws(() => qp.requantize(acc, [m, n], { multipliers: -1 }), /finite and ≥ 0/);
    assert.throws(() => qp.requantize(acc, [m, n], { multipliers: 1, qmin: -128, qmax: 255 }), /not an int8 or uint8 range/);
  });
}
