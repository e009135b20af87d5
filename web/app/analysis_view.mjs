// "Analyse the whole model": asks the worker for a report with the settings of the form, shows it
// (totals, per-tensor rows worst SQNR first, failures with their error), offers it as CSV and
// JSON, and exports the analysed tensors (built in the worker with web/lib/export.mjs).
import { LazyTable } from './lazy_table.mjs';
import { reportCsv, reportJson, reportTotals } from './report.mjs';
import { saveFile } from './download.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);

const num = (key, label, get, text) => ({
  key, label, numeric: true,
  value: (r) => { const v = get(r); return v === null || v === undefined ? NaN : v; },
  cell: (r) => { const v = get(r); return v === null || v === undefined ? '' : text(v); },
  dataValue: (r) => String(get(r) ?? ''),
});

const COLUMNS = [
  { key: 'name', label: 'Name', filter: true, value: (r) => r.name, cell: (r) => r.name },
  { key: 'dtype', label: 'dtype', filter: true, value: (r) => r.storedType, cell: (r) => r.storedType },
  { key: 'shape', label: 'Shape', value: (r) => r.shape.join('×'), cell: (r) => fmt.shape(r.shape), dataValue: (r) => JSON.stringify(r.shape) },
  // Early, so a failure's reason is in view next to its name (failures are listed first).
  { key: 'error', label: 'Error', filter: true, value: (r) => r.error ?? '', cell: (r) => r.error ?? '' },
  num('sqnr', 'SQNR dB', (r) => r.metrics?.sqnrDb, (v) => fmt.fixed(v, 2)),
  num('mse', 'MSE', (r) => r.metrics?.mse, (v) => fmt.sig(v)),
  num('cosine', 'Cosine', (r) => r.metrics?.cosine, fmt.cosine),
  num('maxerr', 'Max error', (r) => r.metrics?.maxAbsError, (v) => fmt.sig(v)),
  num('min', 'Min', (r) => r.stats?.min, (v) => fmt.sig(v)),
  num('max', 'Max', (r) => r.stats?.max, (v) => fmt.sig(v)),
  num('mean', 'Mean', (r) => r.stats?.mean, (v) => fmt.sig(v)),
  num('std', 'Std', (r) => r.stats?.std, (v) => fmt.sig(v)),
  num('naninf', 'NaN/Inf', (r) => (r.stats ? r.stats.nanCount + r.stats.infCount : null), fmt.integer),
  num('zeros', 'Zeros', (r) => r.stats?.zeroShare, (v) => `${fmt.fixed(100 * v, 2)} %`),
  num('before', 'Before', (r) => r.bytesBefore, fmt.bytesText),
  num('after', 'After', (r) => r.bytesAfter, fmt.bytesText),
  num('bpw', 'Bits/weight', (r) => r.bitsPerWeight, (v) => fmt.fixed(v, 3)),
];

export class AnalysisView {
  /**
   * @param {{jobs: import('./progress.mjs').JobRunner, options(): object, model(): object|null,
   *          showError(message: string): void}} deps
   */
  constructor({ jobs, options, model, showError }) {
    Object.assign(this, { _jobs: jobs, _options: options, _model: model, _showError: showError });
    this.report = null;
    this.reportToken = null;
    this.table = new LazyTable({
      table: $('report-table'), more: $('report-more'), count: $('report-count'), noun: 'tensors', columns: COLUMNS,
      rowAttributes: (r, tr) => {
        tr.dataset.name = r.name;
        if (r.error) tr.classList.add('has-problem');
      },
    });
    $('analyse').addEventListener('click', () => this.analyse());
    $('download-csv').addEventListener('click', () => this._download('csv'));
    $('download-json').addEventListener('click', () => this._download('json'));
    for (const button of document.querySelectorAll('[data-export]')) {
      button.addEventListener('click', () => this.exportAs(button.dataset.export));
    }
    jobs.onBusyChange = (busy) => this._syncButtons(busy);
    this._syncButtons(false);
  }

  _syncButtons(busy) {
    const model = this._model();
    $('analyse').disabled = busy || !model;
    const canExport = !busy && this.report && model && this.reportToken === model.token &&
      this.report.rows.some((r) => !r.error);
    for (const button of document.querySelectorAll('[data-export]')) button.disabled = !canExport;
    $('analysis-section').setAttribute('aria-busy', String(busy));
  }

  /** A new model was opened: the old report no longer describes it. */
  modelChanged() {
    this.report = null;
    this.reportToken = null;
    $('report').hidden = true;
    $('analysis-status').textContent = '';
    this._syncButtons(this._jobs.busy);
  }

  async analyse() {
    const model = this._model();
    if (!model || this._jobs.busy) return;
    const options = this._options();
    const all = $('analyse-all').checked;
    $('analysis-status').textContent = '';
    $('analysis-section').dataset.state = 'running';
    try {
      const { report } = await this._jobs.run('analyse', { token: model.token, options, all }, 'Analysing');
      this.report = report;
      this.reportToken = model.token;
      this._show(report);
      $('analysis-section').dataset.state = 'done';
    } catch (e) {
      $('analysis-section').dataset.state = e.name === 'Cancelled' ? 'cancelled' : 'failed';
      if (e.name === 'Cancelled') {
        const why = e.message === 'cancelled' ? '' : `: ${e.message}`;
        $('analysis-status').textContent = `Analysis cancelled${why}.${this.report ? ' The previous report is still shown.' : ''}`;
      }
      else this._showError(e.name === 'QplayError' ? `Analysis failed: ${e.message}` : `Analysis failed: internal error: ${e.message}`);
    } finally {
      this._syncButtons(this._jobs.busy);
    }
  }

  _show(report) {
    const t = reportTotals(report.rows);
    const o = report.options;
    const where = o.axis === null ? 'per tensor' : `per channel (axis ${o.axis}, or the last axis of smaller tensors)`;
    $('analysis-status').textContent = `${fmt.integer(t.tensors)} tensors analysed in ${fmt.fixed(report.ms, 0)} ms: ` +
      `${o.bits}-bit ${o.scheme} ${o.signed ? 'signed' : 'unsigned'}, ${where}, ${o.mode === 'onnx' ? 'ONNX' : 'PyTorch'} numerics.`;
    const set = (id, value, text) => { $(id).dataset.value = String(value); $(id).textContent = text; };
    set('total-tensors', t.quantized, `${fmt.integer(t.quantized)} quantized` + (t.failed ? `, ${fmt.integer(t.failed)} failed (listed first)` : ''));
    set('total-parameters', t.parameters, fmt.integer(t.parameters));
    set('total-before', t.bytesBefore, fmt.bytesText(t.bytesBefore));
    set('total-after', t.bytesAfter, `${fmt.bytesText(t.bytesAfter)} (${fmt.fixed(t.ratio, 2)}× smaller)`);
    set('total-bpw', t.bitsPerWeight, fmt.fixed(t.bitsPerWeight, 3));
    set('total-sqnr', t.modelSqnrDb, `${fmt.fixed(t.modelSqnrDb, 2)} dB`);
    set('total-worst', t.worstSqnrDb, `${fmt.fixed(t.worstSqnrDb, 2)} dB`);
    $('report').hidden = false;
    this.table.clearSort();  // worst first, as the worker sorted it
    this.table.setRows(report.rows);
  }

  _stem() {
    return (this.report.files[0] ?? 'model').replace(/(-\d+-of-\d+)?\.[^.]+$/, '');
  }

  _download(kind) {
    if (!this.report) return;
    if (kind === 'csv') saveFile(reportCsv(this.report), `${this._stem()}.report.csv`, 'text/csv');
    else saveFile(reportJson(this.report), `${this._stem()}.report.json`, 'application/json');
  }

  async exportAs(kind) {
    const model = this._model();
    if (!this.report || !model || this._jobs.busy) return;
    const names = this.report.rows.filter((r) => !r.error).map((r) => r.name);
    try {
      const reply = await this._jobs.run('export',
        { token: model.token, kind, names, options: this.report.options }, 'Exporting');
      saveFile(reply.bytes, reply.fileName, reply.mimeType);
      $('analysis-status').textContent = `Saved ${reply.fileName} (${fmt.bytesText(reply.bytes.byteLength)}).`;
    } catch (e) {
      if (e.name === 'Cancelled') $('analysis-status').textContent = 'Export cancelled.';
      else this._showError(`Export failed: ${e.message}`);
    } finally {
      this._syncButtons(this._jobs.busy);
    }
  }
}
