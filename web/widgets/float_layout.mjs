// The bit layouts of the float formats <qp-float-bits> shows. DOM-free. The rounding itself is the
// core's (handlers_basic.mjs); this module only splits an exactly representable value into its
// sign, exponent and mantissa fields and puts fields back together, with the IEEE-754 formulas:
//   normal:    (−1)^s · (1 + m / 2^M) · 2^(e − bias)     for 0 < e < all ones
//   subnormal: (−1)^s · (m / 2^M) · 2^(1 − bias)         for e = 0
// Every value involved is a dyadic rational well inside float64's range, so the arithmetic is exact.

/** exponent bits, mantissa bits, bias, largest finite value, and how all-ones exponents are used. */
export const FLOAT_FORMATS = Object.freeze({
  fp32: { label: 'float32', exponentBits: 8, mantissaBits: 23, bias: 127, max: 3.4028234663852886e38, specials: 'ieee' },
  fp16: { label: 'float16 (IEEE half)', exponentBits: 5, mantissaBits: 10, bias: 15, max: 65504, specials: 'ieee' },
  bf16: { label: 'bfloat16', exponentBits: 8, mantissaBits: 7, bias: 127, max: 3.3895313892515355e38, specials: 'ieee' },
  // OCP E4M3FN: no infinities; S.1111.111 is the only NaN, so 1111 with other mantissas is normal.
  'fp8-e4m3': { label: 'FP8 E4M3 (OCP E4M3FN)', exponentBits: 4, mantissaBits: 3, bias: 7, max: 448, specials: 'fn' },
  'fp8-e5m2': { label: 'FP8 E5M2 (OCP)', exponentBits: 5, mantissaBits: 2, bias: 15, max: 57344, specials: 'ieee' },
});

/** The bits of `value` in `format`, as { sign, exponent, mantissa } field integers and a bit string. */
export function floatFields(format, value) {
  const f = FLOAT_FORMATS[format];
  const allOnes = 2 ** f.exponentBits - 1;
  const sign = value < 0 || Object.is(value, -0) ? 1 : 0;
  let exponent, mantissa;
  const a = Math.abs(value);
  if (Number.isNaN(value)) {
    exponent = allOnes;
    mantissa = f.specials === 'fn' ? 2 ** f.mantissaBits - 1 : 2 ** (f.mantissaBits - 1);  // the quiet NaN
  } else if (a === Infinity) {
    if (f.specials === 'fn') throw new RangeError(`${f.label} has no infinity`);
    exponent = allOnes;
    mantissa = 0;
  } else if (a === 0) {
    exponent = 0;
    mantissa = 0;
  } else {
    let e = Math.floor(Math.log2(a));
    while (2 ** e > a) e--;       // log2 may be off by one near powers of two
    while (2 ** (e + 1) <= a) e++;
    const minNormal = 1 - f.bias;
    if (e < minNormal) {
      exponent = 0;
      mantissa = a / 2 ** (minNormal - f.mantissaBits);
    } else {
      exponent = e + f.bias;
      mantissa = (a / 2 ** e - 1) * 2 ** f.mantissaBits;
    }
    if (!Number.isInteger(mantissa) || exponent > allOnes || (exponent === allOnes && f.specials === 'ieee'))
      throw new RangeError(`${value} is not exactly representable in ${f.label}`);
  }
  const bin = (n, width) => n.toString(2).padStart(width, '0');
  return { sign, exponent, mantissa,
    bits: `${sign}${bin(exponent, f.exponentBits)}${bin(mantissa, f.mantissaBits)}` };
}

/** The value of the fields (the inverse of floatFields). */
export function floatFromFields(format, { sign, exponent, mantissa }) {
  const f = FLOAT_FORMATS[format];
  const allOnes = 2 ** f.exponentBits - 1;
  const s = sign ? -1 : 1;
  if (exponent === allOnes && f.specials === 'ieee') return mantissa === 0 ? s * Infinity : NaN;
  if (exponent === allOnes && f.specials === 'fn' && mantissa === 2 ** f.mantissaBits - 1) return NaN;
  if (exponent === 0) return s * (mantissa / 2 ** f.mantissaBits) * 2 ** (1 - f.bias);
  return s * (1 + mantissa / 2 ** f.mantissaBits) * 2 ** (exponent - f.bias);
}

/** The fields of a bit string (sign first), e.g. from a clicked bit. */
export function fieldsFromBits(format, bits) {
  const f = FLOAT_FORMATS[format];
  return {
    sign: Number(bits[0]),
    exponent: parseInt(bits.slice(1, 1 + f.exponentBits), 2),
    mantissa: parseInt(bits.slice(1 + f.exponentBits), 2),
  };
}
