// Comparing schemes: short names for scheme options before they run, "recipes" that carry a
// comparison chosen on one tensor over to tensors of other ranks, and the whole-model summary
// (per scheme: size-weighted mean SQNR, total bits, total MB). DOM-free: the page, the Worker
// and Node tests use it.
//
// A comparison row is what WeightFile.compareTensor / Qplay.compareSchemes return:
//   { label, options, bitsPerWeight, metrics: {mse, sqnrDb, cosine, maxAbsError}, milliseconds, error }

/**
 * A short name for scheme options, for a checklist entry before the scheme has run (the core's
 * own label replaces it afterwards). Follows the core's wording ("int4 sym g32 (axis 1)").
 */
export function describeOptions(o) {
  const where = o.axis === null || o.axis === undefined ? 'per tensor'
    : o.groupSize ? `g${o.groupSize} (axis ${o.axis})` : `per channel (axis ${o.axis})`;
  if ((o.format ?? 'int') === 'int') {
    const calib = o.clip ? ' clip' : o.calibration && o.calibration !== 'minmax' ? ` ${o.calibration}` : '';
    return `int${o.bits}${o.signed === false ? 'u' : ''} ${o.scheme === 'symmetric' ? 'sym' : 'affine'} ${where}${calib}` +
      (o.mode ? ` (${o.mode})` : '');
  }
  const calib = o.calibration && o.calibration !== 'minmax' ? ` ${o.calibration}` : '';
  return `${o.format}${o.bitsLabel ? ` ${o.bitsLabel}` : ''} ${where}${calib}`;
}

/**
 * A recipe: scheme options whose axis is kept as a role, so one comparison applies to tensors of
 * any rank. Chosen on a tensor of rank `rank`: axis 0 of a matrix is the "first" axis (output
 * channels), axis rank−1 the "last" (the reduction axis, where groups go); any other axis stays a
 * number.
 */
export function toRecipe(options, rank) {
  const { axis } = options;
  let axisRole = null;
  // A vector's only axis is both; with groups it is the reduction axis ("last"), as in the core's default set.
  if (axis !== null && axis !== undefined)
    axisRole = axis === rank - 1 && (rank > 1 || options.groupSize) ? 'last' : axis === 0 ? 'first' : axis;
  return { ...options, axis: null, axisRole };
}

/**
 * The options of `recipe` for a tensor of `shape`. Mirrors the core's default comparison: a
 * per-channel scheme on a tensor of rank < 2 becomes per tensor (there are no output channels),
 * groups go along the last axis (a vector's only axis), and an explicit axis the tensor does not
 * have is kept, so the core refuses it with its own message in that tensor's row.
 */
export function optionsForShape(recipe, shape) {
  const { axisRole, name, ...options } = recipe;
  const rank = shape.length;
  let axis = null, groupSize = options.groupSize ?? null;
  if (axisRole === 'last') axis = rank >= 1 ? rank - 1 : null;
  else if (axisRole === 'first') axis = rank >= 2 || (rank === 1 && groupSize) ? 0 : null;
  else if (typeof axisRole === 'number') axis = axisRole;
  if (axis === null) groupSize = null;
  return { ...options, axis, groupSize };
}

/** Short name of a recipe: its `name` if it has one, else its options with the axis role in words. */
export function describeRecipe(recipe) {
  if (recipe.name) return recipe.name;
  const { axisRole } = recipe;
  const base = describeOptions({ ...recipe, axis: axisRole === null ? null : 0 });
  if (axisRole === null) return base;
  const role = axisRole === 'first' ? 'first axis' : axisRole === 'last' ? 'last axis' : `axis ${axisRole}`;
  return base.replace('(axis 0)', `(${role})`);
}

/**
 * Per-scheme totals of a whole-model comparison.
 * @param {{name, parameters, rows?: object[], error?: string}[]} tensors  one entry per tensor,
 *   rows[k] = the comparison row of recipes[k] (a tensor the reader refused has `error`, no rows)
 * @param {object[]} recipes
 * @returns {{label, recipe, tensors, failed, parameters, totalBits, totalMB, bitsPerWeight,
 *   weightedSqnrDb, modelSqnrDb, worstSqnrDb, worstTensor, milliseconds}[]}
 *   weightedSqnrDb: Σ(n·SQNR)/Σn over tensors that quantized (n = parameters), so large tensors
 *   count more; modelSqnrDb: all those tensors as one signal, 10·log10(Σx²/Σ(x−x̂)²), with
 *   Σ(x−x̂)² = mse·n and Σx² recovered from each SQNR. totalBits: Σ bitsPerWeight·n (the core's
 *   stored bits: codes, scales, zero points, code books). totalMB: totalBits / 8 / 10⁶.
 */
export function summarizeModelComparison(tensors, recipes) {
  return recipes.map((recipe, k) => {
    let parameters = 0, bits = 0, weighted = 0, noise = 0, signal = 0, failed = 0, ms = 0;
    let worst = Infinity, worstTensor = null, label = null;
    for (const t of tensors) {
      const row = t.rows?.[k];
      if (!row || row.error) {
        failed++;
        continue;
      }
      label ??= row.label;
      const n = t.parameters, m = row.metrics;
      parameters += n;
      bits += row.bitsPerWeight * n;
      weighted += m.sqnrDb * n;
      ms += row.milliseconds ?? 0;
      const e = m.mse * n;
      noise += e;
      signal += Number.isFinite(m.sqnrDb) ? e * 10 ** (m.sqnrDb / 10) : 0;
      if (m.sqnrDb < worst || worstTensor === null) {
        worst = m.sqnrDb;
        worstTensor = t.name;
      }
    }
    const ok = tensors.length - failed;
    return {
      label: describeRecipe(recipe), coreLabel: label, recipe, tensors: ok, failed, parameters,
      totalBits: bits, totalMB: bits / 8 / 1e6, bitsPerWeight: parameters > 0 ? bits / parameters : NaN,
      // A tensor reconstructed exactly has SQNR ∞: the size-weighted mean is then ∞ as well.
      weightedSqnrDb: parameters > 0 ? weighted / parameters : NaN,
      modelSqnrDb: noise > 0 ? 10 * Math.log10(signal / noise) : ok ? Infinity : NaN,
      worstSqnrDb: ok ? worst : NaN, worstTensor, milliseconds: ms,
    };
  });
}

/** One table row per (tensor, scheme): {tensor, parameters, shape, scheme, recipeIndex, ...row}. */
export function flattenModelComparison(tensors, recipes) {
  const out = [];
  for (const t of tensors) {
    recipes.forEach((recipe, k) => {
      const row = t.rows?.[k];
      out.push({
        tensor: t.name, shape: t.shape, parameters: t.parameters, scheme: describeRecipe(recipe), recipeIndex: k,
        label: row?.label ?? null, bitsPerWeight: row && !row.error ? row.bitsPerWeight : null,
        metrics: row && !row.error ? row.metrics : null, milliseconds: row?.milliseconds ?? null,
        error: t.error ?? row?.error ?? null,
      });
    });
  }
  return out;
}
