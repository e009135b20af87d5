// The whole-model analysis report: ordering, totals and the CSV / JSON downloads. DOM-free, so the
// Worker builds it and Node tests can check it.
//
// A row: {name, storedType, shape, parameters, axis, channels, bytesBefore, bytesAfter,
//         bitsPerWeight, stats: {min, max, mean, std, nanCount, infCount, zeroShare},
//         metrics: {sqnrDb, mse, cosine, maxAbsError}, error}
// A row with `error` (NaN/Inf values, a tensor the reader cannot decode, ...) has no metrics and
// no size after; it is listed, never dropped.

/** Failed tensors first (they are the worst), then the lowest SQNR first; ties by name. */
export function sortWorstFirst(rows) {
  const key = (r) => (r.error ? -Infinity : r.metrics.sqnrDb);
  return [...rows].sort((a, b) => key(a) - key(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Totals over the rows that quantized. modelSqnrDb treats the analysed tensors as one signal:
 * 10·log10(Σx² / Σ(x − x̂)²), with Σ(x − x̂)² = mse·n and Σx² recovered from each tensor's SQNR.
 */
export function reportTotals(rows) {
  const ok = rows.filter((r) => !r.error);
  let parameters = 0, bytesBefore = 0, bytesAfter = 0, noise = 0, signal = 0, worst = Infinity;
  for (const r of ok) {
    parameters += r.parameters;
    bytesBefore += r.bytesBefore;
    bytesAfter += r.bytesAfter;
    const n = r.metrics.mse * r.parameters;
    noise += n;
    signal += Number.isFinite(r.metrics.sqnrDb) ? n * 10 ** (r.metrics.sqnrDb / 10) : 0;
    worst = Math.min(worst, r.metrics.sqnrDb);
  }
  // No noise at all (every tensor exactly representable): infinite SQNR, like the core reports.
  const modelSqnrDb = noise > 0 ? 10 * Math.log10(signal / noise) : ok.length ? Infinity : NaN;
  return {
    tensors: rows.length, quantized: ok.length, failed: rows.length - ok.length,
    parameters, bytesBefore, bytesAfter,
    bitsPerWeight: parameters > 0 ? (bytesAfter * 8) / parameters : NaN,
    ratio: bytesAfter > 0 ? bytesBefore / bytesAfter : NaN,
    worstSqnrDb: ok.length ? worst : NaN, modelSqnrDb,
  };
}

const COLUMNS = [
  ['name', (r) => r.name],
  ['stored_type', (r) => r.storedType],
  ['shape', (r) => r.shape.join('x')],
  ['parameters', (r) => r.parameters],
  ['axis', (r) => (r.axis === null || r.axis === undefined ? '' : r.axis)],
  ['sqnr_db', (r) => r.metrics?.sqnrDb],
  ['mse', (r) => r.metrics?.mse],
  ['cosine', (r) => r.metrics?.cosine],
  ['max_abs_error', (r) => r.metrics?.maxAbsError],
  ['min', (r) => r.stats?.min],
  ['max', (r) => r.stats?.max],
  ['mean', (r) => r.stats?.mean],
  ['std', (r) => r.stats?.std],
  ['nan_count', (r) => r.stats?.nanCount],
  ['inf_count', (r) => r.stats?.infCount],
  ['zero_share', (r) => r.stats?.zeroShare],
  ['bytes_before', (r) => r.bytesBefore],
  ['bytes_after', (r) => r.bytesAfter],
  ['bits_per_weight', (r) => r.bitsPerWeight],
  ['error', (r) => r.error ?? ''],
];

/** RFC 4180 quoting: only when needed, quotes doubled. */
function csvField(v) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? String(v) : String(v);  // String(Infinity) = "Infinity": stays exact
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header line, one line per tensor (worst first), full-precision numbers. */
export function reportCsv(report) {
  const lines = [COLUMNS.map(([h]) => h).join(',')];
  for (const r of sortWorstFirst(report.rows)) lines.push(COLUMNS.map(([, get]) => csvField(get(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON has no Infinity/NaN: those become the strings "Infinity", "-Infinity", "NaN" (as the CLI does). */
export function reportJson(report) {
  const clean = (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
  return JSON.stringify({
    files: report.files, format: report.format, options: report.options, selection: report.selection,
    totals: reportTotals(report.rows), tensors: sortWorstFirst(report.rows),
  }, clean, 2);
}
