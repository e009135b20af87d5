// <qp-value>: one number quantized step by step (docs/widgets.md): scale and zero point from the
// range, x ⊙ scale, round (ties to even), + zero point, clamp, the code, dequantize, the error,
// and a number line with the grid, the clipping range, x and x̂. The scale, zero point, code and
// dequantized value are the core's (runScheme with a fixed clip range); the intermediate steps
// are shown as the mode computes them.
import { QpWidget, booleanSetting, choiceSetting, defineWidget, float32String, gridOpacity, html, numberSetting, short, svg } from './widget_element.mjs';

const CSS = `
.line { margin-top: 10px; }
.grid-level { stroke: var(--qp-level); }
.axis { stroke: var(--qp-muted); }
.clip-line { stroke: var(--qp-clip); stroke-width: 1.5; }
.outside { fill: var(--qp-clip-fill); }
.x-mark { fill: var(--qp-accent); }
.xhat-mark { fill: none; stroke: var(--qp-clip); stroke-width: 2; }
.code { font-size: 1.25em; }
`;

/** Labels near an edge grow inwards. */
function anchor(fraction) {
  return fraction < 0.2 ? 'start' : fraction > 0.8 ? 'end' : 'middle';
}

export class QpValue extends QpWidget {
  static defaults = { value: '3.6', min: '-10', max: '10', bits: '8', scheme: 'symmetric', signed: 'true', mode: 'pytorch' };
  static controlNames = ['value', 'min', 'max', 'bits', 'scheme', 'signed', 'mode'];
  static css = CSS;

  buildControls() {
    this.addControl('value', 'Value x', QpWidget.numberInput());
    this.addControl('min', 'Range min', QpWidget.numberInput());
    this.addControl('max', 'Range max', QpWidget.numberInput());
    this.addControl('bits', 'Bits', QpWidget.select([2, 3, 4, 5, 6, 7, 8].map((b) => [String(b)])));
    this.addControl('scheme', 'Scheme', QpWidget.select([['symmetric'], ['affine', 'affine (asymmetric)']]));
    this.addControl('signed', 'Codes', QpWidget.select([['true', 'signed'], ['false', 'unsigned']]));
    this.addControl('mode', 'Numerics', QpWidget.select([['pytorch', 'PyTorch'], ['onnx', 'ONNX']]));
  }

  request(s) {
    const fields = {
      value: numberSetting(s, 'value'), min: numberSetting(s, 'min'), max: numberSetting(s, 'max'),
      bits: numberSetting(s, 'bits', { integer: true, min: 2, max: 8 }),
      scheme: choiceSetting(s, 'scheme', ['symmetric', 'affine']),
      signed: booleanSetting(s, 'signed'), mode: choiceSetting(s, 'mode', ['pytorch', 'onnx']),
    };
    if (!(fields.min < fields.max)) {
      const e = new Error(`min (${fields.min}) must be less than max (${fields.max})`);
      e.name = 'WidgetError';
      throw e;
    }
    return { type: 'quantizeValue', fields };
  }

  draw(r, settings) {
    const f = float32String;
    const widened = r.rangeMin !== Math.fround(Number(settings.min)) || r.rangeMax !== Math.fround(Number(settings.max));
    const times = r.mode === 'onnx' ? 'x / s' : 'x · fl(1/s)';
    const rows = [
      ['range', `[${f(r.rangeMin)}, ${f(r.rangeMax)}]`, widened ? 'the range given, widened to include 0' : 'the range given'],
      ['codes', `${r.qmin} … ${r.qmax}`, `${r.bits}-bit ${r.signed ? 'signed' : 'unsigned'}`],
      ['scale s', f(r.scale), r.scheme === 'symmetric' ? `max(|min|, |max|)·2 / (qmax − qmin)` : '(max − min) / (qmax − qmin)'],
      ['zero point z', String(r.zeroPoint), r.scheme === 'symmetric' ? 'symmetric: 0 (or the middle code when unsigned)' : 'qmin − round(min / s)'],
      ['x', f(r.input), 'the input, as float32'],
      [times, f(r.scaled), r.mode === 'onnx' ? 'ONNX divides' : 'PyTorch multiplies by the reciprocal'],
      ['round', String(r.rounded), 'to nearest, ties to even'],
      ['+ z', String(r.shifted), ''],
      ['clamp → code q', String(r.code), `to [${r.qmin}, ${r.qmax}]${r.code !== r.shifted ? ': clipped' : ''}`],
      ['x̂ = (q − z)·s', f(r.dequantized), 'dequantized'],
      ['error x − x̂', short(r.error), r.code !== r.shifted ? 'clipped: more than s/2' : 'rounding only: at most s/2'],
    ];
    const table = html('table', { class: 'steps' }, [
      html('caption', { class: 'note', textContent: `Quantizing x = ${f(r.input)} to ${r.bits} bits (${r.scheme}, ${r.mode === 'onnx' ? 'ONNX' : 'PyTorch'} numerics)` }),
      html('tbody', {}, rows.map(([name, value, formula]) => html('tr', {}, [
        html('th', { scope: 'row', textContent: name }),
        html('td', { class: `num${name.startsWith('clamp') || name.startsWith('x̂') ? ' strong' : ''}`, textContent: value,
          'data-step': name.split(' ')[0] }),
        html('td', { class: 'formula', textContent: formula }),
      ]))),
    ]);
    this.body.replaceChildren(html('div', { class: 'scroll' }, [table]), this._numberLine(r));
    return { ...r, grid: Array.from(r.grid) };
  }

  /** The grid's levels as ticks, the clipping range, x (dot) and x̂ (ring) on one axis. */
  _numberLine(r) {
    // Drawn at the widget's width (1 unit = 1 CSS px), so the labels keep their size on a phone.
    const W = Math.max(300, Math.min(900, this.body.clientWidth || 600)), H = 74, pad = 14, y = 34;
    const lo0 = Math.min(r.clip[0], r.input, r.rangeMin), hi0 = Math.max(r.clip[1], r.input, r.rangeMax);
    const span = hi0 - lo0 || 1;
    const lo = lo0 - span * 0.04, hi = hi0 + span * 0.04;
    const X = (v) => pad + ((v - lo) / (hi - lo)) * (W - 2 * pad);
    const parts = [
      svg('rect', { class: 'outside', x: pad, y: y - 16, width: Math.max(0, X(r.clip[0]) - pad), height: 32 }),
      svg('rect', { class: 'outside', x: X(r.clip[1]), y: y - 16, width: Math.max(0, W - pad - X(r.clip[1])), height: 32 }),
      svg('line', { class: 'axis', x1: pad, x2: W - pad, y1: y, y2: y }),
    ];
    const ticks = r.grid.map((level) => svg('line', { class: 'grid-level', x1: X(level), x2: X(level), y1: y - 7, y2: y + 7 }));
    parts.push(svg('g', { opacity: gridOpacity(W - 2 * pad, r.grid.length, 0.5) }, ticks));
    for (const c of r.clip) parts.push(svg('line', { class: 'clip-line', x1: X(c), x2: X(c), y1: y - 16, y2: y + 16 }));
    parts.push(
      svg('circle', { class: 'x-mark', cx: X(r.input), cy: y, r: 5 }),
      svg('circle', { class: 'xhat-mark', cx: X(r.dequantized), cy: y, r: 8 }),
      svg('text', { x: X(r.clip[0]), y: y + 30, 'text-anchor': anchor(X(r.clip[0]) / W) }, [float32String(r.clip[0])]),
      svg('text', { x: X(r.clip[1]), y: y + 30, 'text-anchor': anchor(X(r.clip[1]) / W) }, [float32String(r.clip[1])]),
      svg('text', { x: X(r.input), y: y - 20, 'text-anchor': anchor(X(r.input) / W) }, [`x = ${short(r.input, 5)}, x̂ = ${short(r.dequantized, 5)}`]),
    );
    const label = `Number line from ${short(lo)} to ${short(hi)}: ${r.grid.length} grid levels between ` +
      `${float32String(r.clip[0])} and ${float32String(r.clip[1])}; x = ${float32String(r.input)} maps to ` +
      `code ${r.code}, which dequantizes to ${float32String(r.dequantized)}.`;
    return svg('svg', { class: 'line', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label }, parts);
  }
}

defineWidget('qp-value', QpValue);
