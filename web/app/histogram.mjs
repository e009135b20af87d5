// The histogram view: the values' histogram as bars (uPlot), every representable level of the
// quantization grid as a thin vertical line, and the clipping range [(qmin−zp)·s, (qmax−zp)·s]
// with everything outside it shaded. Colours come from CSS custom properties of the container.
import uPlot from 'uplot';
import { sig, integer } from './format.mjs';

const HEIGHT = { wide: 300, narrow: 220 };

export class HistogramView {
  /** @param {HTMLElement} container  the chart goes here; its aria-label describes the chart */
  constructor(container) {
    this._el = container;
    this._view = null;
    this._logY = false;
    this._plot = null;
    // Resize on the next frame: resizing inside the observer callback would re-trigger it.
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this._resize());
    }).observe(container);
  }

  /** view: {histogram: {lo, hi, counts}, grid: Float32Array, clip: [lo, hi], ...} from the worker. */
  show(view, { logY = this._logY } = {}) {
    const rebuild = !this._plot || logY !== this._logY;
    this._view = view;
    this._logY = logY;
    const { lo, hi, counts } = view.histogram;
    const width = (hi - lo) / counts.length;
    const xs = Array.from(counts, (_, i) => lo + (i + 0.5) * width);
    const ys = Array.from(counts, (c) => (logY && c === 0 ? null : c));
    if (rebuild) {
      this._plot?.destroy();
      this._plot = new uPlot(this._options(), [xs, ys], this._el);
    } else {
      this._plot.setData([xs, ys]);
    }
    this._plot.setScale('x', { min: lo, max: hi });
    this._el.setAttribute('aria-label', describe(view));
  }

  _size() {
    const width = Math.max(240, this._el.clientWidth);
    return { width, height: width < 560 ? HEIGHT.narrow : HEIGHT.wide };
  }

  _resize() {
    if (!this._plot) return;
    const { width, height } = this._size();
    if (width !== this._plot.width || height !== this._plot.height) this._plot.setSize({ width, height });
  }

  _options() {
    const css = getComputedStyle(this._el);
    const color = (name) => css.getPropertyValue(name).trim();
    const axis = {
      stroke: color('--chart-text'),
      grid: { stroke: color('--chart-rule'), width: 1 },
      ticks: { stroke: color('--chart-rule'), width: 1 },
    };
    return {
      ...this._size(),
      legend: { show: true },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: false, auto: false },
        y: this._logY
          ? { distr: 3, log: 10, range: (u, min, max) => [1, 10 ** Math.ceil(Math.log10(Math.max(10, max)))] }
          : { range: (u, min, max) => [0, Math.max(1, max) * 1.05] },
      },
      axes: [
        { ...axis, values: (u, ticks) => ticks.map((v) => sig(v, 3)) },
        { ...axis, size: 56, values: (u, ticks) => ticks.map(countLabel) },
      ],
      series: [
        { label: 'value', value: (u, v) => (v == null ? '–' : sig(v, 4)) },
        {
          label: 'count',
          fill: color('--chart-bar'),
          stroke: color('--chart-bar'),
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars({ size: [1, Infinity, 0], align: 0 }),
          value: (u, v) => (v == null ? '0' : integer(v)),
        },
      ],
      hooks: { draw: [(u) => this._drawGrid(u, color)] },
    };
  }

  /** The grid levels and the clipping range, over the bars. */
  _drawGrid(u, color) {
    const view = this._view;
    if (!view) return;
    const { ctx, bbox } = u;
    const x = (v) => u.valToPos(v, 'x', true);
    const [clipLo, clipHi] = view.clip.map(x);
    const top = bbox.top, bottom = bbox.top + bbox.height, left = bbox.left, right = bbox.left + bbox.width;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, bbox.width, bbox.height);
    ctx.clip();
    // Outside the clipping range: every value there saturates to qmin or qmax.
    ctx.fillStyle = color('--chart-clip-fill');
    if (clipLo > left) ctx.fillRect(left, top, clipLo - left, bbox.height);
    if (clipHi < right) ctx.fillRect(clipHi, top, right - clipHi, bbox.height);
    // One thin line per representable level; lighter when there are many.
    const levels = view.grid.length;
    ctx.strokeStyle = color('--chart-level');
    ctx.globalAlpha = levels > 64 ? 0.35 : levels > 16 ? 0.6 : 0.9;
    ctx.lineWidth = Math.max(1, devicePixelRatio * 0.75);
    ctx.beginPath();
    for (const level of view.grid) {
      const px = Math.round(x(level)) + 0.5;
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color('--chart-clip');
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    for (const px of [clipLo, clipHi]) {
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
    }
    ctx.stroke();
    ctx.restore();
  }
}

function countLabel(v) {
  if (v == null) return '';
  return v >= 1e5 ? sig(v, 2).replace('.0e', 'e') : integer(v);
}

function describe(view) {
  const what = view.axis !== null ? `channel ${view.channel} (${integer(view.count)} values)` : `${integer(view.count)} values`;
  return `Histogram of ${what} from ${sig(view.min)} to ${sig(view.max)}, with ${view.grid.length} quantization ` +
    `levels and clipping range ${sig(view.clip[0])} to ${sig(view.clip[1])}.`;
}
