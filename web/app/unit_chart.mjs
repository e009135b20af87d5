// The per-unit error chart: each unit's MSE (result.unitMse) against its index, as bars when there
// are few units and a line when there are many (the worker sends at most 1024 points, each the
// largest MSE of a run of neighbouring units). A tooltip names the unit under the pointer
// ("channel 5 (axis 0)", "group 3 of row 7 ..."); clicking a point shows that unit (the worst of
// its run) in the histogram above. The unit shown is marked by a vertical line.
import uPlot from 'uplot';
import { sig, integer } from './format.mjs';
import { unitName } from './units.mjs';

export class UnitChart {
  /** @param {{onSelect?(unit: number): void}} handlers */
  constructor(container, { onSelect } = {}) {
    this._el = container;
    this._onSelect = onSelect;
    this._plot = null;
    this._data = null;
    this._tip = document.createElement('div');
    this._tip.className = 'chart-tip';
    this._tip.setAttribute('role', 'status');
    this._tip.hidden = true;
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this._resize());
    }).observe(container);
  }

  /** data: {first, count, value, units, shape, axis, group} from the worker (units.mjs bucketMax). */
  show(data) {
    this._data = data;
    const xs = Array.from(data.first, (f, i) => f + (data.count[i] - 1) / 2);
    const ys = Array.from(data.value);
    this._plot?.destroy();
    this._plot = new uPlot(this._options(data), [xs, ys], this._el);
    this._plot.over.append(this._tip);
    this._plot.over.addEventListener('click', () => {
      const i = this._plot.cursor.idx;
      if (i != null && data.units > 1) this._onSelect?.(data.at[i]);
    });
    const worst = ys.reduce((b, v, i) => (v > ys[b] ? i : b), 0);
    this._el.setAttribute('aria-label', data.units === 1
      ? `One unit (the whole tensor), MSE ${sig(ys[0])}.`
      : `MSE of ${integer(data.units)} units; the largest, ${sig(ys[worst])}, is ${this.describe(worst)}.`);
    this._el.dataset.points = String(ys.length);
    // One unit has nothing to compare: the figure says so instead of drawing a lone bar.
    this._el.closest('figure')?.classList.toggle('single-unit', data.units === 1);
  }

  /** The name of point i: one unit, or the run of units it stands for. */
  describe(i) {
    const d = this._data;
    const first = d.first[i], count = d.count[i];
    const name = (u) => unitName(d.shape, d.axis, d.group, u);
    return count === 1 ? name(first)
      : `units ${integer(first)}–${integer(first + count - 1)}, largest MSE at unit ${integer(d.at[i])}: ${name(d.at[i])}`;
  }

  _size() {
    const width = Math.max(240, this._el.clientWidth);
    return { width, height: 200 };
  }

  _resize() {
    if (!this._plot) return;
    const { width, height } = this._size();
    if (width !== this._plot.width || height !== this._plot.height) this._plot.setSize({ width, height });
  }

  _options(data) {
    const css = getComputedStyle(this._el);
    const color = (name) => css.getPropertyValue(name).trim();
    const axis = {
      stroke: color('--chart-text'),
      grid: { stroke: color('--chart-rule'), width: 1 },
      ticks: { stroke: color('--chart-rule'), width: 1 },
    };
    const few = data.value.length <= 96;
    return {
      ...this._size(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: !few } },
      // x: unit indices, half a unit of margin each side (one unit is one centred bar).
      scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] },
        y: { range: (u, min, max) => [0, Math.max(max, 1e-30) * 1.08] } },
      axes: [
        { ...axis, values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? integer(v) : '')) },
        { ...axis, size: 64, values: (u, ticks) => ticks.map((v) => sig(v, 2)) },
      ],
      series: [
        { label: 'unit' },
        {
          label: 'MSE', stroke: color('--chart-bar'), fill: few ? color('--chart-bar') : undefined, width: few ? 0 : 1.5,
          points: { show: false },
          paths: few ? uPlot.paths.bars({ size: [0.8, 64] }) : undefined,
        },
      ],
      hooks: { setCursor: [(u) => this._tooltip(u)], draw: [(u) => this._drawSelected(u, color)] },
    };
  }

  /** A vertical line at the unit the histogram shows. */
  _drawSelected(u, color) {
    const d = this._data;
    if (!d || d.units <= 1) return;
    const { ctx, bbox } = u;
    // The point whose run holds the selected unit.
    let i = 0;
    while (i + 1 < d.first.length && d.first[i + 1] <= d.selected) i++;
    const px = u.valToPos(d.first[i] + (d.count[i] - 1) / 2, 'x', true);
    ctx.save();
    ctx.strokeStyle = color('--chart-clip');
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(px, bbox.top);
    ctx.lineTo(px, bbox.top + bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  _tooltip(u) {
    const i = u.cursor.idx;
    if (i == null || u.cursor.left < 0) {
      this._tip.hidden = true;
      return;
    }
    this._tip.textContent = `${this.describe(i)}: MSE ${sig(this._data.value[i])}`;
    this._tip.hidden = false;
    const left = Math.min(u.cursor.left + 12, Math.max(0, u.over.clientWidth - this._tip.offsetWidth));
    this._tip.style.left = `${left}px`;
    this._tip.style.top = `${Math.max(0, u.cursor.top - 36)}px`;
    this._el.dataset.tip = this._tip.textContent;
  }
}
