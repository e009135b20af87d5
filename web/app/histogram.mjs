// The histogram view: the values' histogram as bars (uPlot), every representable level of the
// quantization grid as a thin vertical line, the clipping range [(qmin−zp)·s, (qmax−zp)·s] with
// everything outside it shaded, and each calibrator's clipping range as a labelled marker. When
// the range is editable (the int grid per tensor), its two lines carry handles the pointer drags;
// onClipChange gets the new [lo, hi] at most once per frame (the page coalesces the work).
// The same view draws the error histogram (no grid, no range).
import uPlot from 'uplot';
import { sig, integer } from './format.mjs';

const HEIGHT = { wide: 300, narrow: 220 };
const HANDLE_PX = 10;  // how close (CSS px) the pointer must be to a clip line to grab it

/** One colour per calibrator, in the order the worker lists them (the page's legend uses them too). */
export const MARKER_COLORS = ['#1f8a70', '#c77d00', '#8e44ad', '#2f6fd0', '#c2185b', '#5f7f00', '#7a5548'];

export class HistogramView {
  /**
   * @param {HTMLElement} container  the chart goes here; its aria-label describes the chart
   * @param {{describe?(view): string, onClipChange?([lo, hi], final: boolean): void, height?: object}} options
   */
  constructor(container, { describe = describeValues, onClipChange = null, height = HEIGHT } = {}) {
    this._el = container;
    this._describe = describe;
    this._onClipChange = onClipChange;
    this._height = height;
    this._view = null;
    this._logY = false;
    this._plot = null;
    this._drag = null;  // {which: 0 | 1, frame}
    // Resize on the next frame: resizing inside the observer callback would re-trigger it.
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this._resize());
    }).observe(container);
  }

  /** view: {histogram: {lo, hi, counts}, grid?: Float32Array, clip?: [lo, hi] | null, markers?, clipEditable?}. */
  show(view, { logY = this._logY } = {}) {
    const rebuild = !this._plot || logY !== this._logY;
    // handles: where the user's range is (what the pointer drags); clip: the grid's real range.
    const handles = view.handles ?? view.clip;
    this._view = { ...view, clip: view.clip ? [...view.clip] : null, handles: handles ? [...handles] : null };
    this._logY = logY;
    const { lo, hi, counts } = view.histogram;
    const width = (hi - lo) / counts.length;
    const xs = Array.from(counts, (_, i) => lo + (i + 0.5) * width);
    const ys = Array.from(counts, (c) => (logY && c === 0 ? null : c));
    if (rebuild) {
      this._plot?.destroy();
      this._plot = new uPlot(this._options(), [xs, ys], this._el);
      this._listen(this._plot.over);
    } else {
      this._plot.setData([xs, ys]);
    }
    this._plot.setScale('x', { min: lo, max: hi });
    this._el.setAttribute('aria-label', this._describe(view));
    this._el.dataset.clip = this._view.clip ? JSON.stringify(this._view.clip) : '';
  }

  /** The system theme changed: the next show() builds the chart again with the new colours. */
  themeChanged() {
    this._plot?.destroy();
    this._plot = null;
  }

  /** Pixel x (CSS px within the plot area) of the clip handles. */
  clipHandles() {
    if (!this._plot || !this._view?.handles) return null;
    return this._view.handles.map((v) => this._plot.valToPos(v, 'x'));
  }

  _listen(over) {
    const nearest = (x) => {
      const px = this.clipHandles();
      if (!px || !this._view.clipEditable || !this._onClipChange) return -1;
      const d = px.map((p) => Math.abs(p - x));
      const which = d[0] <= d[1] ? 0 : 1;
      return d[which] <= HANDLE_PX ? which : -1;
    };
    const xOf = (e) => e.clientX - over.getBoundingClientRect().left;
    over.addEventListener('pointerdown', (e) => {
      const which = nearest(xOf(e));
      if (which < 0) return;
      e.preventDefault();
      over.setPointerCapture(e.pointerId);
      this._drag = { which, frame: 0 };
    });
    over.addEventListener('pointermove', (e) => {
      if (!this._drag) {
        over.style.cursor = nearest(xOf(e)) >= 0 ? 'ew-resize' : '';
        return;
      }
      const v = this._plot.posToVal(xOf(e), 'x');
      const clip = this._view.handles;
      // The two handles never cross: lo stays at or below hi.
      if (this._drag.which === 0) clip[0] = Math.min(v, clip[1]);
      else clip[1] = Math.max(v, clip[0]);
      this._plot.redraw(false, false);
      if (!this._drag.frame) {
        this._drag.frame = requestAnimationFrame(() => {
          if (this._drag) this._drag.frame = 0;
          this._onClipChange([...clip], false);
        });
      }
    });
    const end = (e) => {
      if (!this._drag) return;
      cancelAnimationFrame(this._drag.frame);
      this._drag = null;
      if (over.hasPointerCapture(e.pointerId)) over.releasePointerCapture(e.pointerId);
      this._onClipChange([...this._view.handles], true);
    };
    over.addEventListener('pointerup', end);
    over.addEventListener('pointercancel', end);
  }

  _size() {
    const width = Math.max(240, this._el.clientWidth);
    return { width, height: width < 560 ? this._height.narrow : this._height.wide };
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

  /** The grid levels, the calibrators' markers and the clipping range, over the bars. */
  _drawGrid(u, color) {
    const view = this._view;
    if (!view) return;
    const { ctx, bbox } = u;
    const dpr = devicePixelRatio;
    const x = (v) => u.valToPos(v, 'x', true);
    const top = bbox.top, bottom = bbox.top + bbox.height, left = bbox.left, right = bbox.left + bbox.width;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, bbox.width, bbox.height);
    ctx.clip();
    const clip = view.clip ? view.clip.map(x) : null;
    // Outside the clipping range: every value there saturates to qmin or qmax.
    if (clip) {
      ctx.fillStyle = color('--chart-clip-fill');
      if (clip[0] > left) ctx.fillRect(left, top, clip[0] - left, bbox.height);
      if (clip[1] < right) ctx.fillRect(clip[1], top, right - clip[1], bbox.height);
    }
    // One thin line per representable level; lighter when there are many.
    const grid = view.grid ?? [];
    const levels = grid.length;
    ctx.strokeStyle = color('--chart-level');
    ctx.globalAlpha = levels > 64 ? 0.35 : levels > 16 ? 0.6 : 0.9;
    ctx.lineWidth = Math.max(1, dpr * 0.75);
    ctx.beginPath();
    for (const level of grid) {
      const px = Math.round(x(level)) + 0.5;
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    // Each calibrator's range: two thin lines in its colour, labelled at the top (staggered).
    const font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
    const labelBackground = color('--panel');
    (view.markers ?? []).forEach((m, i) => {
      if (m.error) return;
      const c = MARKER_COLORS[i % MARKER_COLORS.length];
      ctx.strokeStyle = c;
      ctx.fillStyle = c;
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash([2 * dpr, 3 * dpr]);
      ctx.beginPath();
      for (const v of [m.lo, m.hi]) {
        const px = x(v);
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = font;
      // Labels inside the range (the range always lies within the plot, the outside may not).
      // A narrow range (a phone, a tight calibrator) keeps one label or none rather than overprint;
      // the list under the chart names every range in the same colour.
      const y = top + (12 + 13 * i) * dpr;
      const room = x(m.hi) - x(m.lo) - 6 * dpr, w = ctx.measureText(m.name).width;
      // Each label on a patch of the panel's colour: the dense grid lines would hide it (dark theme).
      const label = (left) => {
        ctx.fillStyle = labelBackground;
        ctx.globalAlpha = 0.8;
        ctx.fillRect(left - 1 * dpr, y - 10 * dpr, w + 2 * dpr, 13 * dpr);
        ctx.globalAlpha = 1;
        ctx.fillStyle = c;
        ctx.textAlign = 'left';
        ctx.fillText(m.name, left, y);
      };
      if (room >= w) label(x(m.lo) + 3 * dpr);
      if (room >= 2 * w + 8 * dpr) label(x(m.hi) - 3 * dpr - w);
    });
    if (clip) {
      ctx.strokeStyle = color('--chart-clip');
      ctx.lineWidth = 2 * dpr;
      ctx.setLineDash([6 * dpr, 4 * dpr]);
      ctx.beginPath();
      for (const px of clip) {
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (view.clipEditable && this._onClipChange && view.handles) {
        // Grips at the user's range (the dashed lines are the grid's real range, which the zero
        // point's rounding may shift a little from it).
        ctx.fillStyle = color('--chart-clip');
        const w = 8 * dpr, h = 22 * dpr, y = (top + bottom) / 2 - h / 2;
        for (const px of view.handles.map(x)) ctx.fillRect(px - w / 2, y, w, h);
      }
    }
    ctx.restore();
    // Where the handles are (CSS px within the plot area): tests drag them from there.
    this._el.dataset.handles = view.handles && view.clipEditable ? JSON.stringify(view.handles.map((v) => u.valToPos(v, 'x'))) : '';
  }
}

function countLabel(v) {
  if (v == null) return '';
  return v >= 1e5 ? sig(v, 2).replace('.0e', 'e') : integer(v);
}

function describeValues(view) {
  const what = view.channels > 1 ? `${view.unitName} (${integer(view.count)} values)` : `${integer(view.count)} values`;
  const clip = view.clip ? ` and clipping range ${sig(view.clip[0])} to ${sig(view.clip[1])}` : '';
  return `Histogram of ${what} from ${sig(view.min)} to ${sig(view.max)}, with ${view.grid.length} quantization ` +
    `levels${clip}.`;
}
