// <qp-compare> (docs/widgets.md): the schemes comparison of #4 on one tensor, a .npy file (`src`)
// or a seeded synthetic one (`distribution`, `seed`, `size`). The worker runs the schemes one at a
// time (handlers_compare.mjs); rows stream into a scatter of error against bits per weight with the
// Pareto front highlighted (the app's Scatter) and a sortable table (the app's LazyTable).
import { widgetCore } from './runtime.mjs';
import { attachShell, choiceAttribute, el, errorText, intAttribute, parseControls, ProgressBox } from './heavy_shell_view.mjs';
import { DISTRIBUTIONS, MAX_SIZE } from './widget_tensor.mjs';
import { Scatter } from '../app/scatter.mjs';
import { LazyTable } from '../app/lazy_table.mjs';
import * as fmt from '../app/format.mjs';

const CONTROLS = ['distribution', 'seed', 'size', 'metric'];
const METRICS = ['sqnr', 'mse'];

const CSS = `
.chart { position: relative; margin-top: 0.4rem; min-height: 240px; }
.chart canvas { display: block; }
.chart-tip { position: absolute; pointer-events: none; background: var(--qp-bg); border: 1px solid var(--qp-rule);
  border-radius: 6px; padding: 0.25rem 0.45rem; font-size: 0.8rem; max-width: 18rem; box-shadow: 0 2px 6px rgb(0 0 0 / 0.15); }
table.data td[data-col="label"] { white-space: normal; min-width: 8rem; max-width: 16rem; }
tr.pareto td[data-col="pareto"] { color: var(--qp-accent); font-weight: 600; }
.legend { font-size: 0.8rem; color: var(--qp-muted); margin: 0.2rem 0 0; }
.legend .dot { display: inline-block; width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--qp-accent);
  vertical-align: middle; margin-right: 0.25rem; }
`;

const num = (key, label, get, text) => ({
  key, label, numeric: true,
  value: (r) => { const v = get(r); return v === null || v === undefined ? NaN : v; },
  cell: (r) => { const v = get(r); return v === null || v === undefined ? '' : text(v); },
  dataValue: (r) => String(get(r) ?? ''),
});

export class QpCompare extends HTMLElement {
  static observedAttributes = ['src', 'distribution', 'seed', 'size', 'schemes', 'metric', 'controls'];

  constructor() {
    super();
    this._root = attachShell(this, CSS);
    this._job = null;          // {controller, key, userCancelled}
    this._runKey = null;       // what the rows shown were computed for
    this._rows = [];
    this._selected = -1;
    this._pending = false;
    /** The last comparison: {tensor: {name, shape, count}, rows, cancelled} (null before the first). */
    this.result = null;
    this._build();
  }

  _build() {
    const field = (name, label, input) => {
      input.dataset.control = name;
      input.addEventListener('change', () => this._userChange(name, input.value));
      return el('label', { className: `control control-${name}` }, label, input);
    };
    this._inputs = {
      distribution: el('select', {}, ...DISTRIBUTIONS.map((d) => el('option', { value: d, textContent: d }))),
      seed: el('input', { type: 'number', min: 0, max: 4294967295, step: 1, inputMode: 'numeric' }),
      size: el('input', { type: 'number', min: 1, max: MAX_SIZE, step: 1, inputMode: 'numeric' }),
      metric: el('select', {}, el('option', { value: 'sqnr', textContent: 'SQNR (dB)' }),
        el('option', { value: 'mse', textContent: 'MSE (log)' })),
    };
    this._controls = el('div', { className: 'controls' },
      field('distribution', 'Distribution', this._inputs.distribution), field('seed', 'Seed', this._inputs.seed),
      field('size', 'Values', this._inputs.size), field('metric', 'Error shown', this._inputs.metric));
    this._message = el('p', { className: 'message', hidden: true });
    this._message.setAttribute('role', 'alert');
    this._status = el('p', { className: 'status' });
    this._status.setAttribute('role', 'status');
    this._again = el('button', { type: 'button', textContent: 'Compare again', hidden: true });
    this._again.addEventListener('click', () => this._refresh(true));
    this._progress = new ProgressBox(() => this._cancel(), 'Schemes compared');
    this._chart = el('div', { className: 'chart' });
    this._chart.setAttribute('role', 'img');
    this._scatter = new Scatter(this._chart, { onSelect: (i) => this._select(i) });
    this._table = el('table', { className: 'data' });
    this._table.append(el('caption', { textContent: 'Schemes compared: choose a column header to sort; ★ marks the Pareto front.' }));
    this._more = el('button', { type: 'button', className: 'more', hidden: true });
    this._lazy = new LazyTable({ table: this._table, more: this._more, noun: 'schemes', pageSize: 100, columns: this._columns(),
      rowAttributes: (r, tr) => {
        tr.dataset.index = String(r.index);
        tr.dataset.label = r.label;
        if (r.error) tr.classList.add('has-problem');
        if (r.pareto) tr.classList.add('pareto');
        if (r.index === this._selected) tr.setAttribute('aria-current', 'true');
      } });
    // The scroll area takes keyboard focus, so keyboard users can scroll a table wider than a phone.
    const scroll = el('div', { className: 'table-scroll', tabIndex: 0 }, this._table);
    scroll.setAttribute('role', 'region');
    scroll.setAttribute('aria-label', 'Schemes (scrollable table)');
    this._results = el('div', { className: 'results', hidden: true },
      this._chart,
      el('p', { className: 'legend' }, el('span', { className: 'dot' }), 'Pareto front: no other scheme is both smaller and more accurate.'),
      scroll, this._more);
    this._footer = el('p', { className: 'footer' });
    const box = el('section', { className: 'box' }, this._controls, this._message, this._status, this._again,
      this._progress.element, this._results, this._footer);
    box.setAttribute('aria-label', 'Comparison of quantization schemes');
    this._root.append(box);
  }

  _columns() {
    return [
      { key: 'label', label: 'Scheme', value: (r) => r.label, filter: true, cell: (r) => {
        const b = el('button', { type: 'button', className: 'link', textContent: r.label, title: 'Mark this scheme in the chart' });
        b.addEventListener('click', () => this._select(r.index));
        return b;
      }, dataValue: (r) => r.label },
      num('bpw', 'Bits/weight', (r) => (r.error ? null : r.bitsPerWeight), (v) => fmt.fixed(v, 3)),
      num('sqnr', 'SQNR dB', (r) => r.metrics?.sqnrDb, (v) => fmt.fixed(v, 2)),
      num('mse', 'MSE', (r) => r.metrics?.mse, (v) => fmt.sig(v)),
      num('cosine', 'Cosine', (r) => r.metrics?.cosine, fmt.cosine),
      num('maxerr', 'Max error', (r) => r.metrics?.maxAbsError, (v) => fmt.sig(v)),
      { key: 'pareto', label: 'Pareto', value: (r) => (r.pareto ? 0 : 1), cell: (r) => (r.pareto ? '★ front' : ''),
        dataValue: (r) => String(Boolean(r.pareto)) },
      { key: 'error', label: 'Refused', value: (r) => r.error ?? '', cell: (r) => r.error ?? '', dataValue: (r) => r.error ?? '' },
    ];
  }

  connectedCallback() {
    // The canvas takes its colours when drawn: redraw when the system theme changes.
    this._theme = matchMedia('(prefers-color-scheme: dark)');
    this._onTheme = () => this._renderChart();
    this._theme.addEventListener('change', this._onTheme);
    this._schedule();
  }

  disconnectedCallback() {
    this._theme?.removeEventListener('change', this._onTheme);
    this._abort();
  }

  attributeChangedCallback() {
    this._schedule();
  }

  /** Several attributes set at once give one refresh. */
  _schedule() {
    if (this._pending) return;
    this._pending = true;
    queueMicrotask(() => {
      this._pending = false;
      if (this.isConnected) this._refresh(false);
    });
  }

  /**
   * What the attributes ask for: {settings, controls (the shown ones), errors (texts for the
   * reader; a bad value's setting is undefined), request (for the worker)}.
   */
  _read() {
    const errors = [];
    const take = (r) => {
      if (r.error) errors.push(r.error);
      return r.value;
    };
    const src = this.getAttribute('src')?.trim() || null;
    let url = null;
    if (src) {
      try {
        url = new URL(src, document.baseURI).href;
      } catch {
        errors.push(`src="${src}" is not a URL`);
      }
    }
    const distribution = take(choiceAttribute(this, 'distribution', 'normal', DISTRIBUTIONS));
    const seed = take(intAttribute(this, 'seed', 1, 0, 4294967295));
    const size = take(intAttribute(this, 'size', 4096, 1, MAX_SIZE));
    const metric = take(choiceAttribute(this, 'metric', 'sqnr', METRICS));
    const schemes = this.getAttribute('schemes')?.trim() || null;
    const controls = parseControls(this.getAttribute('controls'), CONTROLS);
    if (controls.error) errors.push(controls.error);
    const settings = { src, distribution, seed, size, schemes, metric };
    const tensor = url ? { src: url } : { distribution, seed, size };
    return { settings, controls: controls.shown, errors, request: { tensor, schemes } };
  }

  _refresh(force) {
    let read;
    try {
      read = this._read();
    } catch (e) {
      read = { errors: [String(e?.message ?? e)] };
    }
    if (read.controls) this._showControls(read);
    if (read.errors.length) {
      this._abort();
      this._fail(read.errors.join('; '));
      return;
    }
    this._message.hidden = true;
    this._settings = read.settings;
    const key = JSON.stringify(read.request);
    if (!force && key === this._runKey && (this._job?.key === key || this.result)) {
      this._renderChart();  // only the metric changed (or nothing): no new run
      if (!this._job) this.dataset.state = 'ready';
      return;
    }
    this._run(read.request, key);
  }

  _showControls({ controls, settings }) {
    for (const name of CONTROLS) {
      const shown = controls.has(name) && !(settings.src && ['distribution', 'seed', 'size'].includes(name));
      this._controls.querySelector(`.control-${name}`).hidden = !shown;
      const input = this._inputs[name];
      const value = String(settings[name] ?? this.getAttribute(name) ?? '');
      if (input.value !== value && this._root.activeElement !== input) input.value = value;
    }
    this._controls.hidden = ![...this._controls.children].some((c) => !c.hidden);
  }

  /** A user's change: the attribute follows (attributeChangedCallback refreshes), then qp-change. */
  _userChange(name, value) {
    this.setAttribute(name, value);
    this._refresh(false);
    this.dispatchEvent(new CustomEvent('qp-change', { bubbles: true, composed: true, detail: this._read().settings }));
  }

  _abort() {
    if (!this._job) return;
    const { controller } = this._job;
    this._job = null;
    controller.abort();
  }

  _cancel() {
    if (!this._job) return;
    this._job.userCancelled = true;
    this._job.controller.abort();
  }

  async _run(request, key) {
    this._abort();
    const job = { controller: new AbortController(), key, userCancelled: false };
    this._job = job;
    this._runKey = key;
    this._rows = [];
    this._selected = -1;
    this._lazy.clearSort();
    this._again.hidden = true;
    this.dataset.state = 'loading';
    this._status.textContent = 'Starting the WebAssembly core…';
    this._progress.start('Starting…');
    let total = 0;
    let started = null;
    try {
      const core = widgetCore();
      const reply = await core.call('compareRun', request, {
        signal: job.controller.signal,
        onProgress: (msg) => {
          if (this._job !== job) return;
          total = msg.total;
          started ??= performance.now();  // the comparison itself, not the core's start
          this._progress.update(msg.done, msg.total, `${msg.done} of ${msg.total} schemes${msg.name ? ` (${msg.name})` : ''}`);
          this._status.textContent = 'Comparing…';
          if (!msg.row) return;
          this._rows[msg.index] = { ...msg.row, index: msg.index };
          msg.pareto.forEach((p, i) => { if (this._rows[i]) this._rows[i].pareto = p; });
          this._render();
        },
      });
      if (this._job !== job) return;
      this._rows = reply.rows.map((r, index) => ({ ...r, index }));
      this.result = { tensor: reply.tensor, rows: this._rows, cancelled: false };
      this._render();
      const refused = this._rows.filter((r) => r.error).length;
      this._status.textContent = `${this._rows.length} schemes on ${reply.tensor.name} (${fmt.integer(reply.tensor.count)} values) in ` +
        `${fmt.fixed(performance.now() - (started ?? performance.now()), 0)} ms${refused ? `; ${refused} refused the tensor` : ''}.`;
      this._footer.textContent = `Computed in your browser by the playground's WebAssembly core.`;
      this.dataset.state = 'ready';
    } catch (e) {
      if (this._job !== job && !job.userCancelled) return;  // superseded by a newer run
      if (job.userCancelled) {
        const done = this._rows.filter(Boolean);
        this.result = { tensor: null, rows: done, cancelled: true };
        this._status.textContent = `Cancelled after ${done.length} of ${total || '?'} schemes.`;
        this._again.hidden = false;
        this.dataset.state = 'ready';
      } else {
        this._fail(errorText(e));
      }
    } finally {
      if (this._job === job) this._job = null;
      this._progress.stop();
    }
  }

  _fail(text) {
    this._message.textContent = text;
    this._message.hidden = false;
    this._status.textContent = '';
    this._progress.stop();
    this._results.hidden = true;
    this._runKey = null;
    this.result = null;
    this.dataset.state = 'error';
  }

  _render() {
    this._results.hidden = false;
    this._lazy.setRows(this._rows.filter(Boolean));
    this._renderChart();
  }

  _renderChart() {
    if (this._results.hidden) return;
    const metric = this._settings?.metric ?? 'sqnr';
    this._scatter.show(this._rows.map((r) => r ?? { error: 'pending' }), { metric, selected: this._selected });
  }

  _select(index) {
    if (!this._rows[index]) return;
    this._selected = index;
    for (const tr of this._table.querySelectorAll('tr[aria-current]')) tr.removeAttribute('aria-current');
    this._table.querySelector(`tr[data-index="${index}"]`)?.setAttribute('aria-current', 'true');
    this._renderChart();
  }
}

if (!customElements.get('qp-compare')) customElements.define('qp-compare', QpCompare);
