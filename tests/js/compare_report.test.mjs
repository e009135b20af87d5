// The comparison helpers of web/lib/compare_report.mjs: recipes carried across ranks, and the
// whole-model summary checked against sums written out by hand on small made-up rows, and against
// the core's own per-tensor comparison on a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeOptions, describeRecipe, flattenModelComparison, optionsForShape, summarizeModelComparison,
  toRecipe } from '../../web/lib/compare_report.mjs';

const row = (bitsPerWeight, mse, sqnrDb, extra = {}) =>
  ({ label: 'x', bitsPerWeight, metrics: { mse, sqnrDb, cosine: 1, maxAbsError: 0 }, milliseconds: 1, error: null, ...extra });

test('recipes keep the axis role: output channels first, groups on the reduction axis', () => {
  const perChannel = toRecipe({ format: 'int', bits: 8, axis: 0, groupSize: null }, 2);
  const grouped = toRecipe({ format: 'int', bits: 4, axis: 1, groupSize: 32 }, 2);
  const whole = toRecipe({ format: 'fp16', axis: null, groupSize: null }, 2);
  assert.equal(perChannel.axisRole, 'first');
  assert.equal(grouped.axisRole, 'last');
  assert.equal(whole.axisRole, null);
  // On a rank-3 tensor the last axis is 2; on a vector there are no output channels.
  assert.deepEqual(optionsForShape(grouped, [4, 5, 64]), { format: 'int', bits: 4, axis: 2, groupSize: 32 });
  assert.deepEqual(optionsForShape(perChannel, [4, 5, 64]), { format: 'int', bits: 8, axis: 0, groupSize: null });
  assert.deepEqual(optionsForShape(perChannel, [64]), { format: 'int', bits: 8, axis: null, groupSize: null });
  assert.deepEqual(optionsForShape(grouped, [64]), { format: 'int', bits: 4, axis: 0, groupSize: 32 });
  assert.deepEqual(optionsForShape(grouped, []), { format: 'int', bits: 4, axis: null, groupSize: null });
  // An explicit middle axis stays a number (the core refuses it on tensors without it).
  assert.equal(toRecipe({ axis: 1, groupSize: null }, 3).axisRole, 1);
  assert.equal(optionsForShape(toRecipe({ axis: 1, groupSize: null }, 3), [7]).axis, 1);
  // A vector grouped along its only axis: the reduction axis of larger tensors.
  assert.equal(toRecipe({ axis: 0, groupSize: 16 }, 1).axisRole, 'last');
});

test('names follow the core\'s wording', () => {
  assert.equal(describeOptions({ format: 'int', bits: 4, scheme: 'symmetric', signed: true, axis: 1, groupSize: 32, mode: 'pytorch' }),
    'int4 sym g32 (axis 1) (pytorch)');
  assert.equal(describeOptions({ format: 'int', bits: 8, scheme: 'affine', signed: false, axis: null, mode: 'onnx',
    calibration: 'percentile:99.9' }), 'int8u affine per tensor percentile:99.9 (onnx)');
  assert.equal(describeOptions({ format: 'fp8-e4m3', axis: 0, groupSize: null }), 'fp8-e4m3 per channel (axis 0)');
  assert.equal(describeRecipe(toRecipe({ format: 'fp4', axis: 1, groupSize: 32 }, 2)), 'fp4 g32 (last axis)');
  // A recipe may carry the checklist's name; it never reaches the core's options.
  const named = { ...toRecipe({ format: 'q8_0', axis: null }, 2), name: 'q8_0' };
  assert.equal(describeRecipe(named), 'q8_0');
  assert.deepEqual(optionsForShape(named, [4, 32]), { format: 'q8_0', axis: null, groupSize: null });
});

test('summary: size-weighted SQNR, total bits and MB, failures counted, worst tensor named', () => {
  const recipes = [toRecipe({ format: 'int', bits: 8, scheme: 'affine', axis: null }, 2),
    toRecipe({ format: 'int', bits: 4, scheme: 'affine', axis: 1, groupSize: 32 }, 2)];
  const tensors = [
    { name: 'a', parameters: 1000, shape: [10, 100], rows: [row(8.01, 1e-4, 40), row(5, 4e-3, 20)] },
    { name: 'b', parameters: 3000, shape: [30, 100], rows: [row(8.02, 2e-4, 30), row(5.5, 1e-2, 10, { error: null })] },
    { name: 'c', parameters: 500, shape: [500], rows: [row(8, 0, Infinity), { label: 'int4', error: 'refused', bitsPerWeight: 0,
      metrics: { mse: 0, sqnrDb: 0 } }] },
    { name: 'd', parameters: 7, shape: [7], error: 'cannot read' },
  ];
  const [s8, s4] = summarizeModelComparison(tensors, recipes);
  assert.equal(s8.tensors, 3);
  assert.equal(s8.failed, 1);
  assert.equal(s8.parameters, 4500);
  assert.equal(s8.totalBits, 8.01 * 1000 + 8.02 * 3000 + 8 * 500);
  assert.equal(s8.totalMB, s8.totalBits / 8e6);
  assert.equal(s8.weightedSqnrDb, Infinity, 'an exact tensor makes the mean infinite');
  assert.equal(s8.worstSqnrDb, 30);
  assert.equal(s8.worstTensor, 'b');
  // signal of a: mse·n·10^(40/10) = 0.1·1e4 = 1000; of b: 0.6·1e3 = 600; noise 0.1 + 0.6.
  assert.ok(Math.abs(s8.modelSqnrDb - 10 * Math.log10(1600 / 0.7)) < 1e-9);

  assert.equal(s4.tensors, 2);
  assert.equal(s4.failed, 2);
  assert.equal(s4.parameters, 4000);
  assert.equal(s4.weightedSqnrDb, (20 * 1000 + 10 * 3000) / 4000);
  assert.equal(s4.bitsPerWeight, (5 * 1000 + 5.5 * 3000) / 4000);
  assert.equal(s4.worstTensor, 'b');
  assert.equal(s4.label, 'int4 affine g32 (last axis)');

  const flat = flattenModelComparison(tensors, recipes);
  assert.equal(flat.length, 8);
  assert.deepEqual(flat.filter((r) => r.error).map((r) => [r.tensor, r.recipeIndex, r.error]),
    [['c', 1, 'refused'], ['d', 0, 'cannot read'], ['d', 1, 'cannot read']]);
});

test('no tensor quantized: NaN totals, nothing invented', () => {
  const [s] = summarizeModelComparison([{ name: 'x', parameters: 4, error: 'no' }], [toRecipe({ axis: null }, 1)]);
  assert.equal(s.tensors, 0);
  assert.ok(Number.isNaN(s.weightedSqnrDb) && Number.isNaN(s.modelSqnrDb) && Number.isNaN(s.bitsPerWeight));
  assert.equal(s.totalBits, 0);
});

test('on a real file: total bits equal the core\'s stored bits of every tensor, recipes follow each rank', async () => {
  const { loadQplay } = await import('../../web/lib/qplay.mjs');
  const { sourceFromPath } = await import('../../web/lib/node_sources.mjs');
  const { allFloatTensorSelection } = await import('../../web/lib/export.mjs');
  const { repoRoot } = await import('./helpers.mjs');
  const qp = await loadQplay();
  const model = qp.openModel([sourceFromPath(`${repoRoot}/tests/fixtures/safetensors/all_dtypes.safetensors`)]);
  const recipes = qp.defaultComparison([8, 64]).map((o) => toRecipe(o, 2));
  const tensors = allFloatTensorSelection(model.tensors).map((name) => {
    const info = model.tensors.find((t) => t.name === name);
    try {
      return { name, shape: info.shape, parameters: info.parameters,
        rows: model.compareTensor(name, recipes.map((r) => optionsForShape(r, info.shape))) };
    } catch (e) {
      return { name, shape: info.shape, parameters: info.parameters, error: e.message };
    }
  });
  const summary = summarizeModelComparison(tensors, recipes);
  recipes.forEach((recipe, k) => {
    let bits = 0, ok = 0;
    for (const t of tensors) {
      if (t.error || t.rows[k].error) continue;
      const x = model.readTensor(t.name);
      const r = qp.runScheme(x.data, x.shape, optionsForShape(recipe, t.shape));
      bits += r.storedBits;
      ok++;
      // The recipe's axis on this tensor: first axis of a matrix, last for groups, none on a vector.
      if (recipe.axisRole === 'first' && !recipe.groupSize) assert.equal(r.options.axis, t.shape.length >= 2 ? 0 : null);
      if (recipe.axisRole === 'last') assert.equal(r.options.axis, t.shape.length >= 1 ? t.shape.length - 1 : null);
    }
    assert.equal(summary[k].tensors, ok);
    assert.ok(Math.abs(summary[k].totalBits - bits) <= 1e-9 * bits, `${summary[k].label}: ${summary[k].totalBits} vs ${bits}`);
  });
  model.close();
});
