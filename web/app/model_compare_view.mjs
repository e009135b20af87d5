// "Compare schemes on all tensors" (Model tab): the schemes checked in the Compare tab, as recipes
// that follow each tensor's rank, run on every float tensor of the open model in the worker
// (WeightFile.compareTensor, one tensor at a time, with progress and Cancel). Shows a per-scheme
// summary (web/lib/compare_report.mjs: size-weighted SQNR, total bits and MB) and a per-tensor table.
import { LazyTable } from './lazy_table.mjs';
import { flattenModelComparison, summarizeModelComparison } from '../lib/compare_report.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);

const num = (key, label, get, text) => ({
  key, label, numeric: true,
  value: (r) => { const v = get(r); return v === null || v === undefined ? NaN : v; },
  cell: (r) => { const v = get(r); return v === null || v === undefined || Number.isNaN(v) ? '' : text(v); },
  dataValue: (r) => String(get(r) ?? ''),
});

const SUMMARY_COLUMNS = [
  { key: 'scheme', label: 'Scheme', filter: true, value: (s) => s.label, cell: (s) => s.label },
  num('tensors', 'Tensors', (s) => s.tensors, fmt.integer),
  num('failed', 'Refused', (s) => s.failed, fmt.integer),
  num('bpw', 'Bits/weight', (s) => s.bitsPerWeight, (v) => fmt.fixed(v, 3)),
  num('bits', 'Total bits', (s) => s.totalBits, (v) => fmt.integer(Math.round(v))),
  num('mb', 'Total MB', (s) => s.totalMB, (v) => fmt.sig(v, 4)),
  num('wsqnr', 'SQNR dB (size-weighted mean)', (s) => s.weightedSqnrDb, (v) => fmt.fixed(v, 2)),
  num('msqnr', 'SQNR dB (whole model)', (s) => s.modelSqnrDb, (v) => fmt.fixed(v, 2)),
  num('worst', 'Worst SQNR dB', (s) => s.worstSqnrDb, (v) => fmt.fixed(v, 2)),
  { key: 'worstTensor', label: 'Worst tensor', filter: true, value: (s) => s.worstTensor ?? '', cell: (s) => s.worstTensor ?? '' },
];

const TENSOR_COLUMNS = [
  { key: 'name', label: 'Tensor', filter: true, value: (r) => r.tensor, cell: (r) => r.tensor },
  { key: 'shape', label: 'Shape', value: (r) => r.shape.join('×'), cell: (r) => fmt.shape(r.shape), dataValue: (r) => JSON.stringify(r.shape) },
  num('parameters', 'Parameters', (r) => r.parameters, fmt.integer),
  { key: 'scheme', label: 'Scheme', filter: true, value: (r) => r.scheme, cell: (r) => r.label ?? r.scheme },
  num('bpw', 'Bits/weight', (r) => r.bitsPerWeight, (v) => fmt.fixed(v, 3)),
  num('sqnr', 'SQNR dB', (r) => r.metrics?.sqnrDb, (v) => fmt.fixed(v, 2)),
  num('mse', 'MSE', (r) => r.metrics?.mse, (v) => fmt.sig(v)),
  num('cosine', 'Cosine', (r) => r.metrics?.cosine, fmt.cosine),
  num('ms', 'ms', (r) => r.milliseconds, (v) => fmt.fixed(v, 1)),
  { key: 'error', label: 'Error', filter: true, value: (r) => r.error ?? '', cell: (r) => r.error ?? '' },
];

export class ModelCompareView {
  /**
   * @param {{jobs: import('./progress.mjs').JobRunner, recipes(): object[], model(): object|null,
   *   showError(message: string): void}} deps
   */
  constructor({ jobs, recipes, model, showError }) {
    Object.assign(this, { _jobs: jobs, _recipes: recipes, _model: model, _showError: showError });
    this.report = null;
    this.summary = new LazyTable({ table: $('model-compare-summary'), more: $('model-compare-summary-more'),
      noun: 'schemes', columns: SUMMARY_COLUMNS, rowAttributes: (s, tr) => { tr.dataset.scheme = s.label; } });
    this.tensors = new LazyTable({ table: $('model-compare-table'), more: $('model-compare-more'),
      count: $('model-compare-count'), noun: 'rows', columns: TENSOR_COLUMNS,
      rowAttributes: (r, tr) => {
        tr.dataset.name = r.tensor;
        tr.dataset.scheme = r.scheme;
        if (r.error) tr.classList.add('has-problem');
      } });
    $('model-compare-filter').addEventListener('input', (e) => this.tensors.setFilter(e.target.value));
    $('model-compare-run').addEventListener('click', () => this.run());
    jobs.onBusyChange = () => this._syncButtons();
    this._syncButtons();
  }

  _syncButtons() {
    $('model-compare-run').disabled = this._jobs.busy || !this._model();
    $('model-compare-section').setAttribute('aria-busy', String(this._jobs.busy));
  }

  modelChanged() {
    this.report = null;
    $('model-compare-report').hidden = true;
    $('model-compare-status').textContent = '';
    this._syncButtons();
  }

  async run() {
    const model = this._model();
    if (!model || this._jobs.busy) return;
    const recipes = this._recipes();
    const section = $('model-compare-section');
    if (!recipes.length) {
      $('model-compare-status').textContent = 'No scheme is checked in the Compare tab.';
      return;
    }
    $('model-compare-status').textContent = '';
    section.dataset.state = 'running';
    try {
      const { report } = await this._jobs.run('compareModel', { token: model.token, recipes, all: $('model-compare-all').checked },
        'Comparing');
      this.report = report;
      this._show(report);
      section.dataset.state = 'done';
    } catch (e) {
      section.dataset.state = e.name === 'Cancelled' ? 'cancelled' : 'failed';
      if (e.name === 'Cancelled') {
        const why = e.message === 'cancelled' ? '' : `: ${e.message}`;
        $('model-compare-status').textContent = `Comparison cancelled${why}.${this.report ? ' The previous results are still shown.' : ''}`;
      } else {
        this._showError(e.name === 'QplayError' ? `Comparison failed: ${e.message}` : `Comparison failed: internal error: ${e.message}`);
      }
    } finally {
      this._syncButtons();
    }
  }

  _show(report) {
    const summary = summarizeModelComparison(report.tensors, report.recipes);
    const rows = flattenModelComparison(report.tensors, report.recipes);
    const parameters = report.tensors.reduce((a, t) => a + t.parameters, 0);
    $('model-compare-status').textContent = `${fmt.integer(report.tensors.length)} tensors (${fmt.integer(parameters)} ` +
      `parameters, ${fmt.bytesText(parameters * 4)} as float32) × ${report.recipes.length} schemes compared in ` +
      `${fmt.fixed(report.ms, 0)} ms.`;
    $('model-compare-report').hidden = false;
    this.summary.clearSort();
    this.summary.setRows(summary);
    this.tensors.clearSort();
    this.tensors.setRows(rows);
  }
}
