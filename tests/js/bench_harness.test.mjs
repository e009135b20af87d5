// The GEMM benchmark harness (scripts/bench/) end to end on tiny shapes, without the wasm build:
// ORT's MatMulInteger must compute exactly Σ_k (a − za)(b − zb) — the contract our kernels are
// held to, bit for bit — the cross-check must catch a wrong runner, and a quick run must produce
// the tables. No timing assertions: speed is the benchmark's business, not a test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import { makeGemmData, parseShapes, shapeName } from '../../scripts/bench/gemm_shapes.mjs';
import { makeOrtRunners } from '../../scripts/bench/ort_gemm.mjs';
import { matMulIntegerModel } from '../../scripts/bench/onnx_model_bytes.mjs';
import { crossCheck, runGemmBench, formatMarkdown, computeRatios, TIMING } from '../../scripts/bench/bench_table.mjs';
import { makeOurRunners } from '../../scripts/bench/ours_gemm.mjs';

// Written out here on purpose, independent of the harness's own reference.
function plainGemm(a, za, b, zb, M, K, N) {
  const c = new Int32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (a[m * K + k] - za) * (b[k * N + n] - zb);
      c[m * N + n] = s;
    }
  }
  return c;
}

const TINY = { M: 3, K: 17, N: 5 };

test('ORT MatMulInteger u8×s8 and s8×s8 equal Σ(a−za)(b−zb) with non-zero zero points; MatMul f32 the same values', async () => {
  // Zero points away from 0 on both sides, and one at the end of the int8 range for B.
  for (const zp of [{ aU8: 200, aS8: 72, b: -7 }, { aU8: 128, aS8: 0, b: -128 }, { aU8: 131, aS8: 3, b: 0 }]) {
    const data = makeGemmData(TINY, { seed: 7, zp });
    const want = plainGemm(data.aU8, zp.aU8, data.bS8, zp.b, TINY.M, TINY.K, TINY.N);
    assert.deepEqual(plainGemm(data.aS8, zp.aS8, data.bS8, zp.b, TINY.M, TINY.K, TINY.N), want, 'u8 and s8 inputs encode the same a − za');
    const runners = await makeOrtRunners(ort, TINY, data);
    assert.deepEqual(runners.map((r) => r.kind), ['u8s8', 's8s8', 'f32']);
    for (const r of runners) {
      assert.equal(r.ops, 2 * TINY.M * TINY.K * TINY.N);
      const out = await r.output();
      if (r.kind === 'f32') assert.deepEqual(Array.from(out), Array.from(want), `${r.name}, zp ${JSON.stringify(zp)}`);
      else assert.deepEqual(out, want, `${r.name}, zp ${JSON.stringify(zp)}`);
      await r.dispose();
    }
  }
});

test('an omitted zero point input means 0 (ONNX default), extreme values included', async () => {
  const M = 2, K = 4, N = 3;
  const a = Uint8Array.from([0, 255, 255, 0, 255, 255, 255, 255]);
  const b = Int8Array.from([-128, 127, -128, -128, 127, 127, -128, -128, -128, 127, 127, 127]);
  const session = await ort.InferenceSession.create(matMulIntegerModel({ M, K, N, aType: 'uint8', b }), { executionProviders: ['wasm'] });
  const out = (await session.run({ A: new ort.Tensor('uint8', a, [M, K]) })).Y.data;
  assert.deepEqual(out, plainGemm(a, 0, b, 0, M, K, N));
  await session.release();
});

test('the cross-check passes ORT and names a wrong runner with its index, expected and actual', async () => {
  const data = makeGemmData(TINY, { seed: 3 });
  const runners = await makeOrtRunners(ort, TINY, data);
  const good = await runners[0].output();
  const bad = good.slice();
  bad[7] += 1;
  const wrongInt = { name: 'wrong int', kind: 's8s8', ops: 1, run: async () => {}, output: async () => bad };
  const badF = Float32Array.from(good);
  badF[2] += 0.5;
  const wrongFloat = { name: 'wrong float', kind: 'f32', ops: 1, run: async () => {}, output: async () => badF };
  const check = await crossCheck([...runners, wrongInt, wrongFloat], TINY, data);
  assert.deepEqual(check.failed, ['wrong int', 'wrong float']);
  assert.match(check.notes.join('\n'), /FAIL wrong int at 3×17×5, seed 3: index 7 \(m=1, n=2\): expected -?\d+, got -?\d+/);
  assert.equal(check.maxF32Error, 0.5);
  for (const r of runners) await r.dispose();
});

test('a quick run on a tiny shape gives the GOPS table, the ratios and the checks', async () => {
  const shapes = parseShapes('3x17x5,2×9×4');
  const result = await runGemmBench({
    shapes, timing: { ...TIMING.quick, reps: 2 }, meta: { runtime: 'node-test' },
    // A stand-in for one of ours (plain JS), to exercise the plug-in path and a ratio with numbers.
    makeRunners: async (shape, data) => {
      const { M, K, N } = shape;
      const mine = () => plainGemm(data.aU8, data.zp.aU8, data.bS8, data.zp.b, M, K, N);
      const stand = { name: 'ours uint8×int8', kind: 'u8s8', ops: 2 * M * N * K, run: async () => { mine(); }, output: async () => mine() };
      return [stand, ...await makeOrtRunners(ort, shape, data)];
    },
    cpuSeconds: () => process.cpuUsage().user / 1e6,
  });
  assert.deepEqual(result.shapes, ['3×17×5', '2×9×4']);
  assert.deepEqual(result.errors, []);
  for (const name of ['ORT MatMulInteger u8×s8', 'ORT MatMulInteger s8×s8', 'ORT MatMul f32']) {
    for (const s of result.shapes) {
      const cell = result.cells[name][s];
      assert.equal(cell.gops.length, 2);
      assert.equal(cell.cpuGops.length, 2);
      assert.ok(cell.min <= cell.median && cell.median <= cell.max && cell.min > 0, `${name} ${s}`);
    }
  }
  const md = formatMarkdown(result);
  assert.match(md, /\| ORT MatMulInteger u8×s8 \|/);
  assert.match(md, /\| ours u8×s8 \/ ORT u8×s8 +\| +\d+\.\d\d× \| +\d+\.\d\d× \|/);
  assert.match(md, /\| ours s8×s8 \/ ORT s8×s8 +\| +– \| +– \|/);  // no 'ours int8×int8': dashes, not numbers
  assert.match(md, /3\/3 integer runners equal bit for bit/);
  assert.match(md, /\| GOPS per CPU second +\|/);
  assert.throws(() => parseShapes('3x0x5'), /bad shape/);
  assert.equal(shapeName({ M: 1, K: 784, N: 256 }), '1×784×256');
});

test('ratios use the runners present (medians), the peak loop from any shape, and null when one is missing', async () => {
  const cell = (median) => ({ median, min: median, max: median, gops: [median] });
  const result = {
    shapes: ['1×784×256', '256×1024×1024'],
    cells: {
      'ours uint8×int8': { '1×784×256': cell(30), '256×1024×1024': cell(90) },
      'ORT MatMulInteger u8×s8': { '1×784×256': cell(15), '256×1024×1024': cell(75) },
      'peak loop': { '1×784×256': cell(100) },
    },
  };
  const byLabel = Object.fromEntries(computeRatios(result).map((r) => [r.label, r.values]));
  assert.deepEqual(byLabel['ours u8×s8 / ORT u8×s8'], { '1×784×256': 2, '256×1024×1024': 1.2 });
  assert.deepEqual(byLabel['ours u8×s8 / peak loop'], { '1×784×256': 0.3, '256×1024×1024': 0.9 });
  assert.deepEqual(byLabel['ours s8×s8 / ORT s8×s8'], { '1×784×256': null, '256×1024×1024': null });
  // Without the kernels bound, ours contributes no runner and the bench runs ORT alone.
  assert.deepEqual(await makeOurRunners(null, TINY, null), []);
  assert.deepEqual(await makeOurRunners({ build: 'simd' }, TINY, null), []);
});
