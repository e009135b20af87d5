// The JS API against the built WebAssembly modules: results, errors, and SIMD == scalar bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadQplay, QplayError, engineHasSimd } from '../../web/lib/qplay.mjs';
import { weightLike, sameBytes, oracleRoot } from './helpers.mjs';

const simd = await loadQplay({ build: 'simd' });
const scalar = await loadQplay({ build: 'scalar' });

test('the builds report what they run', () => {
  assert.equal(engineHasSimd(), true);
  assert.equal(simd.build, 'simd');
  assert.equal(simd.kernelTier, 'wasmsimd');
  assert.equal(scalar.build, 'scalar');
  assert.equal(scalar.kernelTier, 'ref');
});

test('SIMD and scalar builds agree bit for bit on every option and edge sizes', () => {
  const shapes = [[1], [15], [16], [17], [3, 7], [33, 65], [2, 3, 4, 5], [64, 129]];
  let checked = 0;
  for (const [si, shape] of shapes.entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = weightLike(1, n, 100 + si);
    for (const bits of [2, 3, 4, 8]) {
      for (const scheme of ['affine', 'symmetric']) {
        for (const signed of [true, false]) {
          for (const mode of ['pytorch', 'onnx']) {
            for (const axis of [null, ...shape.keys()]) {
              const opts = { bits, scheme, signed, mode, axis };
              const a = simd.quantize(x, shape, opts), b = scalar.quantize(x, shape, opts);
              const what = JSON.stringify({ shape, ...opts });
              for (const key of ['codes', 'scales', 'zeroPoints', 'dequantized', 'observedMin', 'observedMax'])
                assert.ok(sameBytes(a[key], b[key]), `${key} differ for ${what}`);
              assert.deepEqual(a.metrics, b.metrics, what);
              checked++;
            }
          }
        }
      }
    }
  }
  assert.ok(checked > 500);
});

test('quantize returns consistent parameters, codes and metrics', () => {
  const x = weightLike(8, 32, 1);
  const r = simd.quantize(x, [8, 32], { bits: 4, scheme: 'symmetric', axis: 0 });
  assert.equal(r.scales.length, 8);
  assert.equal(r.zeroPoints.length, 8);
  assert.ok(r.codes instanceof Int8Array);
  assert.equal(r.qmin, -8);
  assert.equal(r.qmax, 7);
  // Recompute dequantized values and the MSE from codes and parameters in plain JS.
  let sse = 0;
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / 32);
    const back = Math.fround((r.codes[i] - r.zeroPoints[c]) * r.scales[c]);
    assert.equal(r.dequantized[i], back);
    sse += (x[i] - back) ** 2;
  }
  assert.ok(Math.abs(r.metrics.mse - sse / x.length) <= 1e-12 * Math.max(1, sse));
  const u = simd.quantize(x, [8, 32], { bits: 8, signed: false });
  assert.ok(u.codes instanceof Uint8Array);
});

test('the classic example: 3.6 in [-10, 10] -> 46, via the API', () => {
  const r = simd.quantize(new Float32Array([-10, 3.6, 10]), [3], { scheme: 'symmetric' });
  assert.equal(r.scales[0], Math.fround(20 / 255));
  assert.equal(r.codes[1], 46);
});

test('bad input throws QplayError with a message for the user', () => {
  const x = new Float32Array([1, 2, 3, 4]);
  const cases = [
    [() => simd.quantize(x, [5]), /holds 5 values but 4/],
    [() => simd.quantize(new Float32Array([1, NaN]), [2]), /1 NaN/],
    [() => simd.quantize(new Float32Array(0), [0]), /empty/],
    [() => simd.quantize(x, [4], { bits: 1 }), /bits must be between 2 and 8/],
    [() => simd.quantize(x, [4], { bits: 4.5 }), /must be an integer/],
    [() => simd.quantize(x, [4], { scheme: 'asym' }), /unknown scheme 'asym'/],
    [() => simd.quantize(x, [4], { mode: 'tflite' }), /unknown numerics mode/],
    [() => simd.quantize(x, [4], { signed: 'yes' }), /must be true or false/],
    [() => simd.quantize(x, [2, 2], { axis: 2 }), /axis 2 is out of range/],
    [() => simd.quantize([1, 2], [2]), /must be a Float32Array/],
    [() => simd.quantize(x, 'x'), /shape must be an array/],
    [() => simd.readNpy(new Uint8Array([1, 2, 3])), /not a valid \.npy/],
    [() => simd.histogram(x, 0, 0, 1), /bins/],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e) => e instanceof QplayError && message.test(e.message), String(message));
  }
  // The module is still healthy after errors.
  assert.equal(simd.quantize(x, [4]).codes.length, 4);
});

test('large tensors survive WebAssembly memory growth', () => {
  const n = 12 * 1024 * 1024;  // 48 MB in, several growths of the heap
  const x = weightLike(1, n, 5);
  const r = simd.quantize(x, [n], { bits: 8 });
  assert.equal(r.dequantized.length, n);
  for (const i of [0, 1, n >> 1, n - 1]) assert.ok(Math.abs(r.dequantized[i] - x[i]) <= r.scales[0] / 2 * 1.0001);
});

test('npy round trip through encodeNpy and readNpy', () => {
  const q = new Int8Array([-128, -1, 0, 127, 5, 6]);
  const back = simd.readNpy(simd.encodeNpy(q, [2, 3]));
  assert.equal(back.dtype, '|i1');
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(q));
});

// The PyTorch oracle families through the JS API (the doctest suite checks them in C++ too).
for (const family of ['torch_per_tensor', 'torch_per_channel']) {
  test(`oracle ${family} through the JS API, both builds`, () => {
    const dir = path.join(oracleRoot, family);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const npy = (ref) => simd.readNpy(readFileSync(path.join(dir, ref.file)));
    let checked = 0;
    for (const c of manifest.cases) {
      const obs = c.params.observer;
      if (!obs || (c.flags ?? []).includes('informational_only')) continue;
      const x = npy(c.inputs.x);
      const opts = {
        bits: 8, mode: 'pytorch', signed: obs.dtype === 'torch.qint8',
        scheme: obs.qscheme.includes('symmetric') ? 'symmetric' : 'affine', axis: obs.ch_axis ?? null,
      };
      for (const qp of [simd, scalar]) {
        const r = qp.quantize(x.data, x.shape, opts);
        const want = (name) => npy(c.expected[name]).data;
        assert.ok(sameBytes(r.scales, want(c.expected.scale ? 'scale' : 'scales')), `${c.id} scale`);
        assert.deepEqual(Array.from(r.zeroPoints), Array.from(want(c.expected.zero_point ? 'zero_point' : 'zero_points')), `${c.id} zp`);
        assert.deepEqual(Array.from(r.codes), Array.from(want('int_repr')), `${c.id} codes`);
        assert.ok(sameBytes(r.dequantized, want('dequant')), `${c.id} dequant`);
      }
      checked++;
    }
    assert.ok(checked >= 5);
  });
}

test('WeightFile.analyzeTensor measures in the core exactly what readTensor + quantize report', async () => {
  const { sourceFromPath } = await import('../../web/lib/node_sources.mjs');
  const qp = await loadQplay();
  const file = path.join(import.meta.dirname, '../fixtures/safetensors/all_dtypes.safetensors');
  const model = qp.openModel([sourceFromPath(file)]);
  let compared = 0;
  for (let i = 0; i < model.tensors.length; i++) {
    if (model.tensors[i].problem) continue;
    const t = model.readTensor(i);
    const options = { bits: 4, scheme: 'symmetric', axis: t.shape.length ? 0 : null, mode: 'onnx' };
    const a = model.analyzeTensor(i, options);
    assert.deepEqual(a.stats, qp.stats(t.data));
    assert.deepEqual(a.shape, t.shape);
    let full = null;
    try { full = qp.quantize(t.data, t.shape, options); } catch (e) { assert.equal(a.quantizeError, e.message); }
    if (full) {
      assert.equal(a.quantizeError, null);
      assert.deepEqual(a.quantized.metrics, full.metrics);
      assert.deepEqual(a.quantized.scales, full.scales);
      assert.equal(a.quantized.codes, undefined);  // nothing per element crosses to JS
      compared++;
    }
    assert.equal(model.analyzeTensor(i).quantized, null);
  }
  assert.ok(compared >= 3, `compared ${compared} tensors`);
  assert.throws(() => model.analyzeTensor(0, { bits: 42 }), QplayError);
  model.close();
});

test('schemes: every registered format runs the same bits in the SIMD and scalar builds', () => {
  const names = simd.schemes().map((s) => s.name);
  assert.ok(names.includes('int') && names.includes('binary') && names.includes('ternary'));
  // ggml's block formats need a last dimension of whole blocks (32 or 256); both builds must
  // refuse the other shapes with the same message.
  const blockFormats = new Set(simd.schemes().filter((s) => s.family === 'ggml').map((s) => s.name));
  const shapes = [[17], [16, 33], [3, 4, 64], [2, 512]];
  for (const [si, shape] of shapes.entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = weightLike(1, n, 300 + si);
    // Each format at its default options, with bits inside its range (tcq stops at 4).
    const own = simd.schemes().map((s) => (s.minBits ? { format: s.name, bits: Math.min(8, s.maxBits) } : { format: s.name }));
    const list = [...simd.defaultComparison(shape), ...own];
    for (const options of list) {
      const what = JSON.stringify({ shape, options });
      if (blockFormats.has(options.format)) {
        let message = null;
        try { simd.runScheme(x, shape, options); } catch (e) { message = e.message; }
        if (message !== null) {
          assert.match(message, /blocks of (32|256) along the last axis/, what);
          assert.notEqual(shape.at(-1) % 256, 0, `${what}: whole blocks must not be refused`);
          assert.throws(() => scalar.runScheme(x, shape, options), { message }, what);
          continue;
        }
      }
      const a = simd.runScheme(x, shape, options), b = scalar.runScheme(x, shape, options);
      assert.ok(sameBytes(a.dequantized, b.dequantized), what);
      assert.deepEqual(a.metrics, b.metrics, what);
      assert.equal(a.bitsPerWeight, b.bitsPerWeight, what);
      assert.equal(a.bitsPerWeight, a.storedBits / n, what);
    }
  }
});

test('runScheme int equals quantize; compareSchemes marks the Pareto front and reports refusals', () => {
  const x = weightLike(16, 64, 7);
  const opts = { bits: 4, scheme: 'symmetric', axis: 1, groupSize: 16 };
  const r = simd.runScheme(x, [16, 64], opts);
  const q = simd.quantize(x, [16, 64], opts);
  assert.ok(sameBytes(r.dequantized, q.dequantized));
  assert.ok(sameBytes(r.integer.codes, q.codes));
  assert.deepEqual(r.unitShape, [16, 4]);
  assert.equal(r.bitsPerWeight, 4 + 32 / 16);
  const seen = [];
  const rows = simd.compareSchemes(x, [16, 64], [...simd.defaultComparison([16, 64]), { bits: 4, axis: 5 }],
    (row, i, total) => seen.push([i, total]));
  assert.equal(seen.length, rows.length);
  const refused = rows.at(-1);
  assert.match(refused.error, /axis 5 is out of range/);
  assert.equal(refused.pareto, false);
  // Pareto flags agree with a brute-force check.
  const ok = rows.filter((row) => !row.error);
  for (const a of ok) {
    const dominated = ok.some((b) => b !== a && b.bitsPerWeight <= a.bitsPerWeight && b.metrics.mse <= a.metrics.mse &&
      (b.bitsPerWeight < a.bitsPerWeight || b.metrics.mse < a.metrics.mse));
    assert.equal(a.pareto, !dominated, a.label);
  }
  assert.throws(() => simd.runScheme(x, [16, 64], { format: 'int9' }), /unknown format 'int9'/);
  assert.throws(() => simd.runScheme(x, [16, 64], { format: 'binary', calibration: 'mse' }), /calibration does not apply/);
});

test('WeightFile.compareTensor runs the comparison in the core on a model tensor', async () => {
  const { sourceFromPath } = await import('../../web/lib/node_sources.mjs');
  const file = path.join(import.meta.dirname, '../fixtures/safetensors/all_dtypes.safetensors');
  const model = simd.openModel([sourceFromPath(file)]);
  const t = model.readTensor('weight.f32');
  const list = simd.defaultComparison(t.shape);
  const rows = model.compareTensor('weight.f32', list);
  const direct = simd.compareSchemes(t.data, t.shape, list);
  assert.deepEqual(rows.map((r) => [r.label, r.bitsPerWeight, r.metrics]), direct.map((r) => [r.label, r.bitsPerWeight, r.metrics]));
  const unitMse = simd.runScheme(t.data, t.shape, list[1]).unitMse;
  assert.equal(unitMse.length, t.shape[0]);
  model.close();
});
