// The comparison scatter: one point per scheme, error (SQNR in dB, or MSE on a log scale) against
// bits per weight, the Pareto front (rows marked by the core's markParetoFront) filled and joined
// by a line, the selected scheme ringed. Plain canvas: a dozen points need no chart library, and
// hit-testing stays simple. Pointing shows the scheme's name; clicking selects it (the table next
// to the chart is the keyboard's way to do the same).
import { sig, fixed } from './format.mjs';

const HIT_PX = 12;

export class Scatter {
  /** @param {HTMLElement} container  @param {{onSelect(index: number): void}} handlers */
  constructor(container, { onSelect }) {
    this._el = container;
    this._onSelect = onSelect;
    this._canvas = document.createElement('canvas');
    this._tip = Object.assign(document.createElement('div'), { className: 'chart-tip', hidden: true });
    container.append(this._canvas, this._tip);
    this._rows = [];
    this._metric = 'sqnr';
    this._selected = -1;
    this._points = [];  // [{index, x, y}] in CSS px
    new ResizeObserver(() => this._draw()).observe(container);
    this._canvas.addEventListener('pointermove', (e) => this._hover(e));
    this._canvas.addEventListener('pointerleave', () => { this._tip.hidden = true; });
    this._canvas.addEventListener('click', (e) => {
      const hit = this._hit(e);
      if (hit) this._onSelect(hit.index);
    });
  }

  /** rows: comparison rows with `pareto`; metric: 'sqnr' | 'mse'; selected: a row index or -1. */
  show(rows, { metric = this._metric, selected = this._selected } = {}) {
    this._rows = rows;
    this._metric = metric;
    this._selected = selected;
    this._draw();
  }

  _value(r) {
    return this._metric === 'mse' ? r.metrics.mse : r.metrics.sqnrDb;
  }

  _draw() {
    const width = Math.max(240, this._el.clientWidth), height = width < 560 ? 240 : 320;
    const dpr = devicePixelRatio;
    const canvas = this._canvas;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(this._el);
    const color = (n) => css.getPropertyValue(n).trim();
    const ok = this._rows.map((r, index) => ({ r, index })).filter(({ r }) => !r.error);
    const pad = { left: 58, right: 14, top: 14, bottom: 40 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = color('--chart-text');
    this._points = [];
    if (!ok.length) {
      ctx.fillText('No results yet.', pad.left, pad.top + 20);
      this._publish();
      return;
    }
    const log = this._metric === 'mse';
    // y: SQNR linear; MSE log10 (0 and ∞ SQNR, exact reconstructions, are pinned to the edge).
    const ys = ok.map(({ r }) => this._value(r));
    const finite = ys.filter((v) => Number.isFinite(v) && (!log || v > 0)).map((v) => (log ? Math.log10(v) : v));
    let y0 = finite.length ? Math.min(...finite) : 0, y1 = finite.length ? Math.max(...finite) : 1;
    if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
    const ySpan = y1 - y0;
    y0 -= ySpan * 0.08;
    y1 += ySpan * 0.08;
    const xs = ok.map(({ r }) => r.bitsPerWeight);
    let x0 = 0, x1 = Math.max(...xs) * 1.08 || 1;
    const X = (v) => pad.left + ((v - x0) / (x1 - x0)) * plotW;
    const Y = (v) => {
      if (log) v = v > 0 && Number.isFinite(v) ? Math.log10(v) : v === 0 ? -Infinity : Infinity;
      if (v === Infinity) return log ? pad.top + plotH : pad.top;  // ∞ SQNR on top; ∞ MSE at the bottom (never)
      if (v === -Infinity) return log ? pad.top + plotH : pad.top + plotH;
      return pad.top + (1 - (v - y0) / (y1 - y0)) * plotH;
    };

    // Axes and ticks.
    ctx.strokeStyle = color('--chart-rule');
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.rect(pad.left + 0.5, pad.top + 0.5, plotW, plotH);
    ctx.stroke();
    ctx.textAlign = 'center';
    for (const t of ticks(x0, x1, Math.max(3, Math.floor(plotW / 70)))) {
      const px = X(t);
      ctx.beginPath();
      ctx.moveTo(px + 0.5, pad.top + plotH);
      ctx.lineTo(px + 0.5, pad.top + plotH + 4);
      ctx.stroke();
      ctx.fillText(sig(t, 3), px, pad.top + plotH + 16);
    }
    ctx.fillText('bits per weight', pad.left + plotW / 2, height - 6);
    ctx.textAlign = 'right';
    for (const t of ticks(y0, y1, Math.max(3, Math.floor(plotH / 45)))) {
      const py = pad.top + (1 - (t - y0) / (y1 - y0)) * plotH;
      ctx.beginPath();
      ctx.moveTo(pad.left - 4, py + 0.5);
      ctx.lineTo(pad.left, py + 0.5);
      ctx.stroke();
      ctx.fillText(log ? `1e${Math.round(t * 10) / 10}` : sig(t, 3), pad.left - 6, py + 4);
    }
    ctx.save();
    ctx.translate(12, pad.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(log ? 'MSE (log)' : 'SQNR (dB)', 0, 0);
    ctx.restore();

    // The Pareto front as a step-free line through its points, by bits per weight.
    const front = ok.filter(({ r }) => r.pareto).sort((a, b) => a.r.bitsPerWeight - b.r.bitsPerWeight);
    ctx.strokeStyle = color('--accent');
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    front.forEach(({ r }, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(r.bitsPerWeight), Y(this._value(r))));
    ctx.stroke();

    for (const { r, index } of ok) {
      const px = X(r.bitsPerWeight), py = Y(this._value(r));
      this._points.push({ index, x: px, y: py });
      ctx.beginPath();
      ctx.arc(px, py, r.pareto ? 5 : 4, 0, 2 * Math.PI);
      if (r.pareto) {
        ctx.fillStyle = color('--accent');
        ctx.fill();
      } else {
        ctx.strokeStyle = color('--chart-text');
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      if (index === this._selected) {
        ctx.beginPath();
        ctx.arc(px, py, 9, 0, 2 * Math.PI);
        ctx.strokeStyle = color('--chart-clip');
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    }
    // Name the points of the front where a name fits without covering another (the rest are in
    // the table and the tooltip).
    ctx.fillStyle = color('--chart-text');
    ctx.textAlign = 'left';
    ctx.font = '11px system-ui, sans-serif';
    const placed = [];
    for (const { r } of [...front].reverse()) {
      const px = X(r.bitsPerWeight), py = Y(this._value(r));
      const text = r.label;
      const w = ctx.measureText(text).width;
      // Right of the point if it fits, else left of it, never past the canvas edge (phones).
      const box = { x: Math.max(2, px + 8 + w > width - 4 ? px - 8 - w : px + 8), y: py - 17, w, h: 13 };
      if (placed.some((b) => box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h)) continue;
      placed.push(box);
      ctx.fillText(text, box.x, py - 6);
    }
    this._publish();
  }

  /** Positions for tests and assistive descriptions. */
  _publish() {
    this._el.dataset.points = JSON.stringify(this._points.map(({ index, x, y }) => [index, Math.round(x), Math.round(y)]));
    const front = this._rows.filter((r) => r.pareto).map((r) => r.label);
    this._el.setAttribute('aria-label', this._points.length
      ? `Scatter of ${this._points.length} schemes, ${this._metric === 'mse' ? 'MSE' : 'SQNR'} against bits per weight. ` +
        `Pareto front: ${front.join(', ')}.`
      : 'No comparison yet');
  }

  _hit(e) {
    const rect = this._canvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    let best = null, bestD = HIT_PX;
    for (const p of this._points) {
      const d = Math.hypot(p.x - x, p.y - y);
      if (d <= bestD) { best = p; bestD = d; }
    }
    return best;
  }

  _hover(e) {
    const hit = this._hit(e);
    this._canvas.style.cursor = hit ? 'pointer' : '';
    if (!hit) {
      this._tip.hidden = true;
      return;
    }
    const r = this._rows[hit.index];
    this._tip.textContent = `${r.label}: ${fixed(r.bitsPerWeight, 3)} bits/weight, ` +
      `SQNR ${fixed(r.metrics.sqnrDb, 2)} dB, MSE ${sig(r.metrics.mse)}${r.pareto ? ' (Pareto front)' : ''}`;
    this._tip.hidden = false;
    this._tip.style.left = `${Math.min(hit.x + 10, Math.max(0, this._el.clientWidth - this._tip.offsetWidth))}px`;
    this._tip.style.top = `${Math.max(0, hit.y - 40)}px`;
  }
}

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo, hi, count) {
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}
