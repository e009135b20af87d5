// The units of a scheme result (one scale or code book each): the whole tensor, each channel
// along an axis, or each group of `group` consecutive indices along an axis, numbered in C order
// of the result's unitShape, exactly as the core's UnitLayout (src/quant/scheme_units.h) numbers
// them. DOM-free: the Worker gathers a unit's values, the page names units in tooltips.

/** {outer, channels, inner, groups} of a C-order tensor split at `axis` (negative counts from the end). */
function split(shape, axis, group) {
  if (axis < 0) axis += shape.length;
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const groups = group > 0 ? Math.ceil(channels / group) : channels;
  return { outer, channels, inner, groups };
}

/** How many units: 1 per tensor, C per channel, outer·ceil(C/group)·inner per group. */
export function unitCount(shape, axis, group) {
  if (axis === null || axis === undefined) return 1;
  const { outer, inner, groups } = split(shape, axis, group);
  return group > 0 ? outer * groups * inner : groups;
}

/** Calls f(k, index) for the unit's k-th value (ascending index), like UnitLayout::for_each_index. */
function forEachIndex(shape, axis, group, unit, n, f) {
  if (axis === null || axis === undefined) {
    for (let k = 0; k < n; k++) f(k, k);
    return;
  }
  const { outer, channels, inner, groups } = split(shape, axis, group);
  if (!(group > 0)) {
    let k = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * channels + unit) * inner;
      for (let i = 0; i < inner; i++) f(k++, base + i);
    }
    return;
  }
  const i = unit % inner, g = Math.floor(unit / inner) % groups, o = Math.floor(unit / (inner * groups));
  const first = g * group, last = Math.min(first + group, channels);
  for (let c = first; c < last; c++) f(c - first, (o * channels + c) * inner + i);
}

/** The values of `unit` (a copy; the whole array itself when there is one unit). */
export function unitValues(data, shape, axis, group, unit) {
  if (axis === null || axis === undefined) return data;
  const { outer, channels, inner } = split(shape, axis, group);
  const size = group > 0 ? Math.min(group, channels - (Math.floor(unit / inner) % Math.ceil(channels / group)) * group)
    : outer * inner;
  const out = new Float32Array(size);
  forEachIndex(shape, axis, group, unit, data.length, (k, index) => { out[k] = data[index]; });
  return out;
}

/**
 * A human name for `unit`: "the whole tensor", "channel 5 (axis 0)", or for a group its position,
 * e.g. "group 3 of row 7 (values 96–127 along axis 1)" for a matrix grouped along its last axis.
 */
export function unitName(shape, axis, group, unit) {
  if (axis === null || axis === undefined) return 'the whole tensor';
  if (axis < 0) axis += shape.length;
  if (!(group > 0)) return `channel ${unit} (axis ${axis})`;
  const { channels, inner, groups } = split(shape, axis, group);
  const g = Math.floor(unit / inner) % groups;
  const first = g * group, last = Math.min(first + group, channels) - 1;
  // The position of the unit among the other axes, e.g. the row of a matrix grouped along axis 1.
  const others = [];
  let rest = unit;
  const unitShape = shape.map((n, a) => (a === axis ? groups : n));
  const index = new Array(shape.length).fill(0);
  for (let a = shape.length - 1; a >= 0; a--) {
    index[a] = rest % unitShape[a];
    rest = Math.floor(rest / unitShape[a]);
  }
  for (let a = 0; a < shape.length; a++) if (a !== axis) others.push(index[a]);
  const where = others.length === 0 ? '' : shape.length === 2 ? ` of ${axis === 1 ? 'row' : 'column'} ${others[0]}`
    : ` at [${others.join(', ')}]`;
  return `group ${g}${where} (values ${first}–${last} along axis ${axis})`;
}

/**
 * At most `max` points of a per-unit series for a chart: every unit when there are few, else one
 * point per bucket of consecutive units holding the bucket's largest value (so a bad unit never
 * disappears), with the first unit of the bucket, how many it covers and which unit is the largest.
 * -> {first, count, value, at: Float64Array}
 */
export function bucketMax(values, max = 1024) {
  const n = values.length;
  const buckets = Math.min(n, max);
  const first = new Float64Array(buckets), count = new Float64Array(buckets), value = new Float64Array(buckets);
  const at = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets), hi = Math.floor(((b + 1) * n) / buckets);
    let best = -Infinity, where = lo;
    for (let u = lo; u < hi; u++) {
      if (values[u] > best) {
        best = values[u];
        where = u;
      }
    }
    first[b] = lo;
    count[b] = hi - lo;
    value[b] = best;
    at[b] = where;
  }
  return { first, count, value, at };
}
