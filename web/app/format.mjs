// Number formatting for display (DOM-free). The page shows rounded text; the full-precision value
// goes into data-value (String(value)) for tests and copy-paste.

const MINUS = '\u2212';

function sign(text) {
  return text.replace(/^-/, MINUS);
}

/** Infinite values as ∞ / −∞, NaN as "—". */
function special(x) {
  if (Number.isNaN(x)) return '—';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return `${MINUS}∞`;
  return null;
}

/** `digits` significant digits; exponent notation outside [1e-3, 1e5). */
export function sig(x, digits = 4) {
  const s = special(x);
  if (s !== null) return s;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return sign(x.toExponential(digits - 1).replace('e+', 'e'));
  return sign(String(Number(x.toPrecision(digits))));
}

/** Fixed decimals (SQNR in dB, cosine, milliseconds). */
export function fixed(x, decimals) {
  return special(x) ?? sign(x.toFixed(decimals));
}

/** Cosine similarity: enough decimals to tell 0.99999 from 0.9999. */
export function cosine(x) {
  const s = special(x);
  if (s !== null) return s;
  const gap = 1 - x;
  const decimals = gap > 0 && gap < 1e-4 ? Math.min(9, Math.ceil(-Math.log10(gap)) + 2) : 5;
  return sign(x.toFixed(decimals));
}

export function integer(n) {
  return sign(n.toLocaleString('en-US'));
}

export function shape(dims) {
  return dims.length ? dims.join(' × ') : 'scalar';
}

/** Bytes as B / KiB / MiB / GiB (binary units, like the CLI). */
export function bytesText(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
