// <qp-float-bits>: the sign, exponent and mantissa bits of a value in float32, fp16, bf16 or FP8,
// the exact value stored and its error (docs/widgets.md). The rounding to the format is the
// core's; the fields are read off the rounded value (float_layout.mjs). Each bit is a toggle
// button: flipping one sets `value` to the number those bits encode.
import { QpWidget, choiceSetting, defineWidget, html, numberSetting, short, widgetError } from './widget_element.mjs';
import { FLOAT_FORMATS, fieldsFromBits, floatFields, floatFromFields } from './float_layout.mjs';

const CSS = `
.bits { display: flex; flex-wrap: wrap; gap: 6px 10px; margin: 4px 0 10px; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field-name { font-size: 0.8em; color: var(--qp-muted); }
.cells { display: flex; flex-wrap: wrap; gap: 2px; }
button.bit {
  min-width: 24px; min-height: 32px; padding: 2px 0;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600;
  cursor: pointer;
}
.sign button.bit { border-color: var(--qp-sign); color: var(--qp-sign); }
.exponent button.bit { border-color: var(--qp-exponent); color: var(--qp-exponent); }
.mantissa button.bit { border-color: var(--qp-mantissa); color: var(--qp-mantissa); }
.steps td.num { white-space: normal; overflow-wrap: anywhere; }
button.bit[aria-pressed="true"] { background: color-mix(in srgb, currentColor 18%, transparent); }
`;

/** The exact decimal expansion of a finite double (every binary float has a finite one). */
export function exactDecimal(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const negative = x < 0;
  let a = Math.abs(x), e = 0;
  while (!Number.isInteger(a)) { a *= 2; e--; }  // exact: doubling a double is exact
  let digits = (BigInt(a) * 5n ** BigInt(-e)).toString();  // a·2^e = a·5^−e / 10^−e
  const places = -e;
  if (places > 0) {
    digits = digits.padStart(places + 1, '0');
    digits = `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/0+$/, '').replace(/\.$/, '');
  }
  return (negative ? '-' : '') + digits;
}

export class QpFloatBits extends QpWidget {
  static defaults = { value: '0.1', format: 'fp32' };
  static controlNames = ['value', 'format'];
  static css = CSS;

  buildControls() {
    this.addControl('value', 'Value', QpWidget.numberInput());
    this.addControl('format', 'Format', QpWidget.select(Object.entries(FLOAT_FORMATS).map(([k, f]) => [k, f.label])));
  }

  request(s) {
    const format = choiceSetting(s, 'format', Object.keys(FLOAT_FORMATS));
    const raw = String(s.value).trim();
    // Infinity and NaN only arrive by flipping exponent bits: shown from the bits, no core request.
    if (/^[-+]?(Infinity|NaN)$/.test(raw)) {
      this._special(format, Number(raw));
      return null;
    }
    return { type: 'floatBits', fields: { value: numberSetting(s, 'value'), format } };
  }

  draw(r) {
    const fields = floatFields(r.format, r.stored);
    this._drawFields(r.format, fields, r.stored, [
      ['stored value', exactDecimal(r.stored)],
      ['input', String(r.input)],
      ['error (input − stored)', short(r.error, 6)],
      ['relative error', r.input === 0 ? '0' : short(Math.abs(r.error / r.input), 3)],
      ...(r.saturated ? [['note', `beyond ±${FLOAT_FORMATS[r.format].max}: saturated to the largest finite value`]] : []),
    ]);
    return { ...r, ...fields };
  }

  /** ±Infinity or NaN: the format's special encoding (the core takes finite tensors only). */
  _special(format, value) {
    let fields;
    try {
      fields = floatFields(format, value);
    } catch (e) {
      throw widgetError(`${value} cannot be stored in ${FLOAT_FORMATS[format].label}: ${e.message}`);
    }
    this._drawFields(format, fields, value, [['stored value', String(value)], ['note', 'a special value: exponent all ones']]);
    this.result = { format, input: value, stored: value, error: 0, saturated: false, ...fields };
    this._error.textContent = '';
    this._status.textContent = '';
    this._box.classList.remove('busy');
    this.dataset.state = 'ready';
  }

  _drawFields(format, fields, stored, rows) {
    const f = FLOAT_FORMATS[format];
    const groups = [
      ['sign', 0, 1],
      ['exponent', 1, 1 + f.exponentBits],
      ['mantissa', 1 + f.exponentBits, fields.bits.length],
    ];
    const bits = html('div', { class: 'bits', role: 'group', 'aria-label': `${f.label} bits ${fields.bits}` },
      groups.map(([name, from, to]) => html('div', { class: `field ${name}` }, [
        html('span', { class: 'field-name', textContent: name === 'exponent' ? `exponent (${fields.exponent} − ${f.bias})` : name === 'mantissa' ? `mantissa (${fields.mantissa})` : 'sign' }),
        html('div', { class: 'cells' }, [...fields.bits.slice(from, to)].map((bit, k) => {
          const at = from + k;
          const button = html('button', { type: 'button', class: 'bit', textContent: bit, 'aria-pressed': String(bit === '1'),
            'aria-label': `${name} bit ${k + 1} of ${to - from}: ${bit}` });
          button.addEventListener('click', () => this._flip(format, fields.bits, at));
          return button;
        })),
      ])));
    const formula = this._formula(f, fields, stored);
    const table = html('table', { class: 'steps' }, [html('tbody', {}, [
      ['bits', `${fields.bits[0]} ${fields.bits.slice(1, 1 + f.exponentBits)} ${fields.bits.slice(1 + f.exponentBits)}`],
      ['formula', formula], ...rows,
    ].map(([name, value]) => html('tr', {}, [
      html('th', { scope: 'row', textContent: name }),
      html('td', { class: 'num', textContent: value, 'data-row': name.split(' ')[0] }),
    ])))]);
    this.body.replaceChildren(bits, html('div', { class: 'scroll' }, [table]));
    // A flipped bit keeps the keyboard focus across the redraw.
    if (this._focusBit !== undefined) {
      bits.querySelectorAll('button.bit')[this._focusBit]?.focus();
      this._focusBit = undefined;
    }
  }

  _formula(f, { sign, exponent, mantissa }, stored) {
    if (!Number.isFinite(stored)) return 'exponent all ones: ' + (Number.isNaN(stored) ? 'NaN' : 'infinity');
    const s = `(−1)^${sign}`;
    const M = 2 ** f.mantissaBits;
    if (exponent === 0) return `${s} × 2^${1 - f.bias} × ${mantissa}/${M} (subnormal)`;
    return `${s} × 2^(${exponent} − ${f.bias}) × (1 + ${mantissa}/${M})`;
  }

  _flip(format, bits, at) {
    const flipped = bits.slice(0, at) + (bits[at] === '1' ? '0' : '1') + bits.slice(at + 1);
    const value = floatFromFields(format, fieldsFromBits(format, flipped));
    this._focusBit = at;
    this.userChange('value', Object.is(value, -0) ? '-0' : String(value));
  }
}

defineWidget('qp-float-bits', QpFloatBits);
