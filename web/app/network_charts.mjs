// Line charts of the Network tab with uPlot: accuracy against weight bit width (x from 8 down to 2,
// one series per mode, float32 as a dashed reference) and, for QAT, the training loss per step.
// Colours come from the page's CSS variables, so light and dark themes both read.
import uPlot from 'uplot';
import { fixed, sig } from './format.mjs';

export class LineChart {
  /**
   * @param {HTMLElement} container
   * @param {{xLabel: string, yLabel: string, xReversed?: boolean, yFormat?(v: number): string}} options
   */
  constructor(container, { xLabel, yLabel, xReversed = false, yFormat = (v) => sig(v, 3) }) {
    Object.assign(this, { _el: container, _xLabel: xLabel, _yLabel: yLabel, _xReversed: xReversed, _yFormat: yFormat });
    this._plot = null;
    let frame = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this._resize());
    }).observe(container);
  }

  /** xs: numbers; series: [{label, values (null = no point), dashed?, color?: CSS variable name}]. */
  show(xs, series) {
    const css = getComputedStyle(this._el);
    const color = (name) => css.getPropertyValue(name).trim();
    const axis = { stroke: color('--chart-text'), grid: { stroke: color('--chart-rule'), width: 1 },
      ticks: { stroke: color('--chart-rule'), width: 1 } };
    const palette = ['--accent', '--chart-clip', '--chart-bar', '--muted'];
    const options = {
      ...this._size(),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, dir: this._xReversed ? -1 : 1 } },
      axes: [
        { ...axis, label: this._xLabel, values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        { ...axis, label: this._yLabel, size: 56, values: (u, ticks) => ticks.map((v) => this._yFormat(v)) },
      ],
      series: [{ label: this._xLabel }, ...series.map((s, i) => ({
        label: s.label, stroke: color(s.color ?? palette[i % palette.length]), width: 2, dash: s.dashed ? [6, 4] : undefined,
        points: { show: !s.dashed, size: 6 }, value: (u, v) => (v == null ? '—' : this._yFormat(v)),
      }))],
    };
    this._plot?.destroy();
    this._plot = new uPlot(options, [xs, ...series.map((s) => s.values)], this._el);
  }

  /** New values for the same series (a growing loss curve): redraws without rebuilding the chart. */
  update(xs, series) {
    if (!this._plot || this._plot.series.length !== series.length + 1) {
      this.show(xs, series);
      return;
    }
    this._plot.setData([xs, ...series.map((s) => s.values)]);
  }

  _size() {
    const width = Math.max(260, this._el.clientWidth);
    return { width, height: width < 560 ? 220 : 280 };
  }

  _resize() {
    if (!this._plot) return;
    const { width, height } = this._size();
    if (width !== this._plot.width || height !== this._plot.height) this._plot.setSize({ width, height });
  }
}

export const percent = (v) => fixed(v, 1);
