// <qp-tensor>: a tensor's histogram with the quantization grid and the clipping range, and the
// error metrics (docs/widgets.md). The tensor is a .npy file (`src`, relative to the page) or a
// seeded synthetic one (`distribution`, `seed`, `size`); grid, histogram and metrics are the core's.
import { QpWidget, booleanSetting, choiceSetting, defineWidget, float32String, gridOpacity, html, numberSetting, short, svg } from './widget_element.mjs';
import { DISTRIBUTIONS, MAX_SIZE } from './widget_tensor.mjs';

const CSS = `
.bar { fill: var(--qp-bar); }
.grid-level { stroke: var(--qp-level); }
.clip-line { stroke: var(--qp-clip); stroke-width: 1.5; }
.outside { fill: var(--qp-clip-fill); }
.axis { stroke: var(--qp-muted); }
.metrics { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 6px 12px; margin: 10px 0 0; }
.metrics div { display: flex; flex-direction: column; }
.metrics dt { font-size: 0.8em; color: var(--qp-muted); }
.metrics dd { margin: 0; font-variant-numeric: tabular-nums; }
`;

const LABELS = { outliers: 'normal + outliers', laplace: 'Laplace + outliers' };
const FORMATS = ['int', 'fp8-e4m3', 'fp8-e5m2', 'fp4', 'nf4', 'q8_0', 'q4_0', 'q4_k', 'log2', 'kmeans', 'ternary', 'binary'];
const CALIBRATIONS = ['minmax', 'percentile:99.9', 'percentile:99.99', 'mse', 'entropy', 'histogram', 'moving-average'];

export class QpTensor extends QpWidget {
  static defaults = {
    src: '', distribution: 'normal', seed: '1', size: '4096', format: 'int', bits: '8', scheme: 'affine',
    signed: 'true', mode: 'pytorch', granularity: 'tensor', 'group-size': '32', calibration: 'minmax', unit: '0',
  };
  static controlNames = ['distribution', 'seed', 'format', 'bits', 'scheme', 'granularity', 'calibration', 'unit'];
  static css = CSS;

  buildControls() {
    this.addControl('distribution', 'Tensor', QpWidget.select(DISTRIBUTIONS.map((d) => [d, LABELS[d]])));
    this.addControl('seed', 'Seed', QpWidget.numberInput({ step: 1, min: 0, max: 4294967295 }));
    this.addControl('format', 'Format', QpWidget.select(FORMATS.map((f) => [f])));
    this.addControl('bits', 'Bits', QpWidget.select([2, 3, 4, 5, 6, 7, 8].map((b) => [String(b)])));
    this.addControl('scheme', 'Scheme', QpWidget.select([['affine'], ['symmetric']]));
    this.addControl('granularity', 'Granularity', QpWidget.select([['tensor', 'per tensor'], ['channel', 'per channel'], ['group', 'per group']]));
    this.addControl('calibration', 'Calibration', QpWidget.select(CALIBRATIONS.map((c) => [c])));
    // Per channel or group: which unit's values, grid and range are drawn (hidden for one unit).
    this.addControl('unit', 'Unit', QpWidget.numberInput({ step: 1, min: 0 }));
  }

  request(s) {
    const src = String(s.src).trim();
    // A file replaces the synthetic source: its controls would do nothing.
    for (const name of ['distribution', 'seed']) if (src) this._inputs.get(name).wrap.hidden = true;
    const fields = {
      format: String(s.format).trim(), bits: numberSetting(s, 'bits', { integer: true, min: 1, max: 16 }),
      scheme: choiceSetting(s, 'scheme', ['affine', 'symmetric']), signed: booleanSetting(s, 'signed'),
      mode: choiceSetting(s, 'mode', ['pytorch', 'onnx']),
      granularity: choiceSetting(s, 'granularity', ['tensor', 'channel', 'group']),
      groupSize: numberSetting(s, 'group-size', { integer: true, min: 1, max: 1 << 20 }),
      calibration: String(s.calibration).trim(),
      unit: numberSetting(s, 'unit', { integer: true, min: 0, max: MAX_SIZE }),
    };
    if (src) fields.src = new URL(src, document.baseURI).href;
    else Object.assign(fields, { distribution: String(s.distribution).trim(),
      seed: numberSetting(s, 'seed', { integer: true, min: 0, max: 4294967295 }),
      size: numberSetting(s, 'size', { integer: true, min: 1, max: MAX_SIZE }) });
    return { type: 'tensorView', fields };
  }

  draw(r) {
    const m = r.metrics;
    const perUnit = r.units > 1;
    const items = [
      ['SQNR', `${short(m.sqnrDb, 4)} dB`], ['MSE', short(m.mse, 4)], ['max |error|', short(m.maxAbsError, 4)],
      ['cosine', short(m.cosine, 6)], ['bits per weight', short(r.bitsPerWeight, 4)],
    ];
    if (perUnit) items.push(['units', `${r.units} scales`], ['unit MSE', short(r.unitMse, 4)]);
    if (r.scale !== null) items.push(['scale', float32String(r.scale)], ['zero point', String(r.zeroPoint)]);
    const metrics = html('dl', { class: 'metrics' }, items.map(([k, v]) => html('div', {}, [
      html('dt', { textContent: k }), html('dd', { textContent: v, 'data-metric': k.split(' ')[0] }),
    ])));
    const notes = [`${r.tensor.name}, shape [${r.tensor.shape.join(', ')}]: ${r.label}.`];
    if (perUnit) notes.push(`Drawn: ${r.unitName}, one of ${r.units} units with a scale each (attribute unit="${r.unit}"); SQNR, MSE, max error and cosine are the whole tensor’s.`);
    if (!r.grid.length) notes.push(perUnit && r.unit > 0 ? 'This format reports the first unit’s levels only.' : 'This format’s grid is too fine to draw.');
    const unitControl = this._inputs.get('unit');
    if (!perUnit) unitControl.wrap.hidden = true;
    unitControl.input.max = String(r.units - 1);
    this.body.replaceChildren(this._chart(r), metrics, html('p', { class: 'note', textContent: notes.join(' ') }));
    return { ...r, grid: Array.from(r.grid), histogram: { ...r.histogram, counts: Array.from(r.histogram.counts) } };
  }

  /** Histogram bars, the grid's levels, and the clipping range (shaded outside) on one x axis. */
  _chart(r) {
    // Drawn at the widget's width (1 unit = 1 CSS px), so the labels keep their size on a phone.
    const W = Math.max(300, Math.min(1200, this.body.clientWidth || 600)), H = 190, padX = 8, top = 8, bottom = 22;
    const { lo, hi, counts } = r.histogram;
    const X = (v) => padX + ((v - lo) / (hi - lo)) * (W - 2 * padX);
    const peak = Math.max(1, ...counts);
    const baseY = H - bottom, plotH = baseY - top;
    const bw = (W - 2 * padX) / counts.length;
    let d = '';
    counts.forEach((c, i) => {
      if (c <= 0) return;
      const h = Math.max(1, (c / peak) * plotH);
      d += `M${(padX + i * bw).toFixed(2)},${baseY}h${Math.max(0.5, bw - 0.5).toFixed(2)}v${(-h).toFixed(2)}h${(-Math.max(0.5, bw - 0.5)).toFixed(2)}z`;
    });
    const parts = [];
    if (r.clip) {
      parts.push(svg('rect', { class: 'outside', x: padX, y: top, width: Math.max(0, X(r.clip[0]) - padX), height: plotH }),
        svg('rect', { class: 'outside', x: X(r.clip[1]), y: top, width: Math.max(0, W - padX - X(r.clip[1])), height: plotH }));
    }
    parts.push(svg('path', { class: 'bar', d }));
    if (r.grid.length <= 512) {
      const lines = r.grid.filter((level) => level >= lo && level <= hi)
        .map((level) => svg('line', { class: 'grid-level', x1: X(level), x2: X(level), y1: top, y2: baseY }));
      parts.push(svg('g', { opacity: gridOpacity(W - 2 * padX, r.grid.length, 0.3) }, lines));
    }
    if (r.clip) for (const c of r.clip) parts.push(svg('line', { class: 'clip-line', x1: X(c), x2: X(c), y1: top, y2: baseY }));
    parts.push(svg('line', { class: 'axis', x1: padX, x2: W - padX, y1: baseY, y2: baseY }),
      svg('text', { x: padX, y: H - 6 }, [short(lo, 3)]),
      svg('text', { x: W - padX, y: H - 6, 'text-anchor': 'end' }, [short(hi, 3)]));
    if (lo < 0 && hi > 0) parts.push(svg('text', { x: X(0), y: H - 6, 'text-anchor': 'middle' }, ['0']));
    const clipText = r.clip ? `; clipping range [${float32String(r.clip[0])}, ${float32String(r.clip[1])}]` : '';
    const of = r.units > 1 ? ` of ${r.unitName}` : '';
    const label = `Histogram of ${r.unitCount} values${of} from ${short(r.unitStats.min)} to ${short(r.unitStats.max)}` +
      ` with ${r.grid.length} grid levels${clipText}.`;
    return svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label }, parts);
  }
}

defineWidget('qp-tensor', QpTensor);
