// The Compare tab: a checklist of schemes (the core's default comparison for the tensor's shape,
// every other format of the registry, the other calibrators, and settings the user adds), run one
// by one in the worker with a progress bar and Cancel, rows streaming into a scatter (error
// against bits per weight, the Pareto front highlighted) and a sortable table. Choosing a point or
// a row shows that scheme in the Tensor tab. Results name the tensor they ran on: when the Tensor
// tab's tensor changes they are marked stale.
import { LazyTable } from './lazy_table.mjs';
import { Scatter } from './scatter.mjs';
import { describeOptions, toRecipe } from '../lib/compare_report.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);

const num = (key, label, get, text) => ({
  key, label, numeric: true,
  value: (r) => { const v = get(r); return v === null || v === undefined ? NaN : v; },
  cell: (r) => { const v = get(r); return v === null || v === undefined ? '' : text(v); },
  dataValue: (r) => String(get(r) ?? ''),
});

export class CompareView {
  /**
   * @param {{jobs: import('./progress.mjs').JobRunner, currentOptions(): object,
   *   onSelect(options: object): void, showError(message: string): void}} deps
   */
  constructor({ jobs, currentOptions, onSelect, showError }) {
    Object.assign(this, { _jobs: jobs, _currentOptions: currentOptions, _onSelect: onSelect, _showError: showError });
    this.entries = [];        // [{key, options, label, kind: 'default'|'registry'|'calibration'|'added', checked}]
    this.schemes = [];
    this.calibrations = ['minmax'];
    this.shape = null;        // the shape the default entries were made for
    this.serial = null;       // the Tensor tab's tensor
    this.tensorName = '';
    this.result = null;       // {rows, serial, name, shape}
    this.selected = -1;
    this.scatter = new Scatter($('compare-chart'), { onSelect: (i) => this.select(i) });
    this.table = new LazyTable({
      table: $('compare-table'), more: $('compare-more'), noun: 'schemes', columns: this._columns(),
      rowAttributes: (r, tr) => {
        tr.dataset.index = String(r.index);
        tr.dataset.label = r.label;
        if (r.error) tr.classList.add('has-problem');
        if (r.pareto) tr.classList.add('pareto');
        if (r.index === this.selected) tr.setAttribute('aria-current', 'true');
        tr.addEventListener('click', (e) => {
          if (!e.target.closest('button')) this.select(r.index);
        });
      },
    });
    $('compare-run').addEventListener('click', () => this.run());
    $('compare-defaults').addEventListener('click', () => this._check((e) => e.kind === 'default'));
    $('compare-every').addEventListener('click', () => this._check(() => true));
    $('compare-none').addEventListener('click', () => this._check(() => false));
    $('compare-add').addEventListener('click', () => this.addCurrent());
    $('compare-metric').addEventListener('change', () => this._renderChart());
    $('compare-list').addEventListener('change', (e) => {
      const entry = this.entries.find((x) => x.key === e.target.dataset.key);
      if (entry) entry.checked = e.target.checked;
      this._syncButtons();
    });
    jobs.onBusyChange = () => this._syncButtons();
    this._syncButtons();
  }

  _columns() {
    return [
      { key: 'label', label: 'Scheme', filter: true, value: (r) => r.label, cell: (r) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'link';
        b.textContent = r.label;
        b.title = 'Show this scheme in the Tensor tab';
        b.addEventListener('click', () => this.select(r.index));
        return b;
      } },
      num('bpw', 'Bits/weight', (r) => (r.error ? null : r.bitsPerWeight), (v) => fmt.fixed(v, 3)),
      num('mse', 'MSE', (r) => r.metrics?.mse, (v) => fmt.sig(v)),
      num('sqnr', 'SQNR dB', (r) => r.metrics?.sqnrDb, (v) => fmt.fixed(v, 2)),
      num('cosine', 'Cosine', (r) => r.metrics?.cosine, fmt.cosine),
      num('maxerr', 'Max error', (r) => r.metrics?.maxAbsError, (v) => fmt.sig(v)),
      num('ms', 'ms', (r) => r.milliseconds, (v) => fmt.fixed(v, 1)),
      { key: 'pareto', label: 'Pareto', value: (r) => (r.pareto ? 0 : 1), cell: (r) => (r.pareto ? '★ front' : ''),
        dataValue: (r) => String(Boolean(r.pareto)) },
      { key: 'error', label: 'Error', filter: true, value: (r) => r.error ?? '', cell: (r) => r.error ?? '' },
    ];
  }

  /** The registry and the calibrators the core accepts (from the worker's hello). */
  setCore({ schemes, calibrations }) {
    this.schemes = schemes;
    this.calibrations = calibrations;
    if (this.shape) this._rebuild(this._defaults);
  }

  /**
   * A worker reply for the Tensor tab arrived. `defaults` (qp.defaultComparison(shape)) comes with
   * every load; the checklist is rebuilt when the shape changes, keeping what the user checked.
   */
  tensorChanged(reply) {
    const { tensor } = reply;
    this.serial = tensor.serial;
    this.tensorName = tensor.name;
    if (reply.defaults && JSON.stringify(tensor.shape) !== JSON.stringify(this.shape)) {
      this.shape = tensor.shape;
      this._defaults = reply.defaults;
      this._rebuild(reply.defaults);
    }
    this._renderStale();
  }

  _rebuild(defaults) {
    const wasChecked = new Map(this.entries.map((e) => [e.label, e.checked]));
    const added = this.entries.filter((e) => e.kind === 'added');
    const entries = defaults.map((options) => this._entry(options, 'default', true));
    const formats = new Set(defaults.map((o) => o.format));
    for (const s of this.schemes) {
      if (formats.has(s.name)) continue;
      const bits = s.minBits > 0 ? Math.min(s.maxBits, Math.max(s.minBits, 4)) : 8;
      const options = { format: s.name, bits, scheme: 'affine', signed: true, axis: null, groupSize: null, mode: 'pytorch',
        calibration: 'minmax' };
      // A format with its own block layout (ggml, NF4) is named alone; the others run per tensor.
      const label = `${s.name}${s.minBits > 0 ? ` ${bits}-bit` : ''}${s.takesGranularity ? ' per tensor' : ''}`;
      entries.push(this._entry(options, 'registry', false, label));
    }
    for (const calibration of this.calibrations.filter((c) => c !== 'minmax')) {
      entries.push(this._entry({ format: 'int', bits: 8, scheme: 'affine', signed: true, axis: null, groupSize: null,
        mode: 'pytorch', calibration }, 'calibration', false));
    }
    for (const e of [...entries, ...added]) if (wasChecked.has(e.label)) e.checked = wasChecked.get(e.label);
    this.entries = [...entries, ...added.filter((a) => !entries.some((e) => e.key === a.key))];
    this._renderList();
  }

  _entry(options, kind, checked, label = this._describe(options)) {
    return { key: JSON.stringify(options), options, label, kind, checked };
  }

  /** describeOptions, without "per tensor" for a format that has its own fixed layout (fp16, ggml). */
  _describe(options) {
    const s = this.schemes.find((x) => x.name === options.format);
    const text = describeOptions(options);
    return s && !s.takesGranularity ? text.replace(' per tensor', '') : text;
  }

  /** "Add the current setting": the Tensor tab's options as a checked entry. */
  addCurrent() {
    const options = this._currentOptions();
    const entry = this._entry(options, 'added', true);
    const existing = this.entries.find((e) => e.key === entry.key);
    if (existing) existing.checked = true;
    else this.entries.push(entry);
    this._renderList();
  }

  _check(predicate) {
    for (const e of this.entries) e.checked = predicate(e);
    this._renderList();
  }

  _renderList() {
    const notes = { registry: ' (other format)', calibration: ' (calibrator)', added: ' (added)' };
    $('compare-list').replaceChildren(...this.entries.map((e) => {
      const label = document.createElement('label');
      label.className = 'check';
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: e.checked });
      box.dataset.key = e.key;
      label.dataset.label = e.label;
      label.append(box, ` ${e.label}`);
      if (notes[e.kind]) label.append(Object.assign(document.createElement('span'), { className: 'hint', textContent: notes[e.kind] }));
      return label;
    }));
    this._syncButtons();
  }

  checked() {
    return this.entries.filter((e) => e.checked);
  }

  /** The checked schemes as recipes for tensors of any rank (compare_report.mjs). */
  recipes() {
    const rank = this.shape?.length ?? 2;
    // A scheme without an axis keeps the checklist's name (it is the same on every tensor).
    return this.checked().map((e) => {
      const recipe = toRecipe(e.options, rank);
      return recipe.axisRole === null ? { ...recipe, name: e.label } : recipe;
    });
  }

  _syncButtons() {
    const n = this.checked().length;
    $('compare-count').textContent = `(${n} of ${this.entries.length} checked)`;
    $('compare-run').disabled = this._jobs.busy || n === 0 || this.serial === null;
    $('panel-compare').setAttribute('aria-busy', String(this._jobs.busy));
  }

  async run() {
    const list = this.checked();
    if (!list.length || this._jobs.busy) return;
    const options = list.map((e) => e.options);
    const rows = [];
    this.result = { rows, serial: this.serial, name: this.tensorName, shape: this.shape };
    this.selected = -1;
    $('compare-results').hidden = false;
    $('compare-status').textContent = '';
    const section = $('panel-compare');
    section.dataset.state = 'running';
    this.table.clearSort();
    this._render();
    const t0 = performance.now();
    try {
      await this._jobs.run('compare', { options }, 'Comparing', {
        noun: 'schemes',
        onProgress: (msg) => {
          if (!msg.row) return;
          rows[msg.index] = { ...msg.row, index: msg.index };
          msg.pareto.forEach((p, i) => { if (rows[i]) rows[i].pareto = p; });
          section.dataset.rows = String(rows.filter(Boolean).length);
          this._render();
        },
      });
      section.dataset.state = 'done';
      const failed = rows.filter((r) => r.error).length;
      $('compare-status').textContent = `${rows.length} schemes compared on ${this.result.name} in ` +
        `${fmt.fixed(performance.now() - t0, 0)} ms${failed ? `; ${failed} refused the tensor (see the Error column)` : ''}.`;
    } catch (e) {
      section.dataset.state = e.name === 'Cancelled' ? 'cancelled' : 'failed';
      if (e.name === 'Cancelled') {
        $('compare-status').textContent = `Comparison cancelled after ${rows.filter(Boolean).length} of ${options.length} schemes.`;
      } else {
        this._showError(e.name === 'QplayError' ? `Comparison failed: ${e.message}` : `Comparison failed: internal error: ${e.message}`);
      }
    } finally {
      this._syncButtons();
    }
  }

  _render() {
    const rows = this.result.rows.filter(Boolean);
    this.table.setRows(rows);
    this._renderChart();
    this._renderStale();
  }

  _renderChart() {
    if (!this.result) return;
    this.scatter.show(this.result.rows.map((r) => r ?? { error: 'pending' }),
      { metric: $('compare-metric').value, selected: this.selected });
  }

  _renderStale() {
    const stale = Boolean(this.result) && this.result.serial !== this.serial;
    $('compare-results').dataset.stale = String(stale);
    $('compare-stale').hidden = !stale;
    $('compare-stale').textContent = stale ? `These results are for ${this.result.name}; the Tensor tab now shows another ` +
      'tensor. Choosing a scheme applies its settings to the tensor shown now. Compare again to update them.' : '';
  }

  /** Show row `index` in the Tensor tab. */
  select(index) {
    const row = this.result?.rows[index];
    if (!row) return;
    this.selected = index;
    for (const tr of $('compare-table').querySelectorAll('tr[aria-current]')) tr.removeAttribute('aria-current');
    $('compare-table').querySelector(`tr[data-index="${index}"]`)?.setAttribute('aria-current', 'true');
    $('compare-results').dataset.selected = row.label;
    this._renderChart();
    this._onSelect(row.options);
  }
}
