// The Network tab: a small Fashion-MNIST network (bundled MLP / CNN, or the user's state dict and
// IDX test data) evaluated in every mode in the worker (worker_network.mjs) with a progress bar and
// Cancel; rows stream into the table as each mode finishes. A row opens its confusion matrix and the
// images where it and float32 disagree. Below: the drawing pad with live predictions of every mode,
// accuracy against bit width (uPlot), and the sensitivity report of mixed precision.
import { BUNDLED, FASHION_MNIST_CLASSES } from '../lib/datasets.mjs';
import { STANDARD_MODES } from '../lib/network_eval.mjs';
import { softmax } from '../lib/network_sweeps.mjs';
import { DrawingPad } from './drawing_pad.mjs';
import { LineChart, percent } from './network_charts.mjs';
import { disagreements, renderConfusion, renderGallery } from './network_confusion.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
const pct = (x) => `${fmt.fixed(100 * x, 2)}%`;
const pp = (x) => (x === null || x === undefined ? '' : `${x > 0 ? '+' : ''}${fmt.fixed(x, 2)}`);
const kb = (bytes) => `${fmt.fixed(bytes / 1024, 1)} KB`;
const errorText = (e) => (e.name === 'QplayError' ? e.message : `internal error: ${e.message}`);

/** The bundled files, absolute (the worker fetches them; its own URL is elsewhere). */
function bundledUrls(model = null) {
  const url = (p) => new URL(p, document.baseURI).href;
  return { model: model && url(BUNDLED.models[model]), testImages: url(BUNDLED.test.images), testLabels: url(BUNDLED.test.labels),
    trainImages: url(BUNDLED.train.images), trainLabels: url(BUNDLED.train.labels) };
}

function cell(col, text, value = text, num = false) {
  const td = el('td', { textContent: text });
  td.dataset.col = col;
  td.dataset.value = String(value);
  if (num) td.className = 'num';
  return td;
}

function table(target, head, rows, numeric) {
  const thead = el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', textContent: h,
    className: numeric.has(i) ? 'num' : '' }))));
  target.replaceChildren(thead, el('tbody', {}, ...rows));
}

export class NetworkView {
  /**
   * @param {{client: import('./client.mjs').WorkerClient, jobs: import('./progress.mjs').JobRunner,
   *   sweepJobs: import('./progress.mjs').JobRunner, qatJobs: import('./progress.mjs').JobRunner}} deps
   */
  constructor({ client, jobs, sweepJobs, qatJobs }) {
    Object.assign(this, { _client: client, _jobs: jobs, _sweepJobs: sweepJobs, _qatJobs: qatJobs });
    this.loaded = null;      // {network, data, build} from the worker
    this.opening = false;
    this.active = false;
    this.run = null;         // {rows, count, names, modes}
    this.selected = null;    // index into run.rows
    this._padBusy = false;
    this._padWaiting = undefined;
    this._testImage = 0;
    this.lossChart = new LineChart($('net-qat-chart'), { xLabel: 'step', yLabel: 'loss' });
    this.curveChart = new LineChart($('net-curve'), { xLabel: 'weight bits', yLabel: 'accuracy %', xReversed: true, yFormat: percent });
    this.pad = new DrawingPad($('net-pad'), {
      preview: $('net-pad-small'),
      brush: () => Number($('net-pad-brush').value),
      center: () => $('net-pad-center').checked,
      onChange: (input) => this._padChanged(input),
    });
    $('net-model').addEventListener('change', () => {
      const v = $('net-model').value;
      if (v !== 'file') this.openBundled(v);
    });
    $('net-file').addEventListener('change', (e) => {
      const files = [...e.target.files];
      e.target.value = '';
      if (files.length) this.openFile(files);
    });
    $('net-data-file').addEventListener('change', (e) => {
      const files = [...e.target.files];
      e.target.value = '';
      if (files.length) this.openData(files);
    });
    $('net-bundled-data').addEventListener('click', () => this._load('netOpenData', { urls: bundledUrls() }, 'the Fashion-MNIST test set'));
    $('net-run').addEventListener('click', () => this.evaluate());
    $('net-curve-run').addEventListener('click', () => this.curve());
    $('net-sens-run').addEventListener('click', () => this.sensitivity());
    $('net-qat-run').addEventListener('click', () => this.qat());
    $('net-pad-clear').addEventListener('click', () => this.pad.clear());
    $('net-pad-sample').addEventListener('click', () => this._padSample());
    $('net-pad-center').addEventListener('change', () => this.pad.empty || this._padChanged(this.pad.input()));
    for (const box of document.querySelectorAll('input[name="net-mode"]')) box.addEventListener('change', () => this.modesChanged());
    for (const j of [jobs, sweepJobs, qatJobs]) j.onBusyChange = () => this._sync();
    this._sync();
  }

  /** The tab was shown (load the default network the first time) or hidden (free the pad's engines). */
  setActive(active) {
    if (active === this.active) return;
    this.active = active;
    if (active && !this.loaded && !this.opening) this.openBundled($('net-model').value === 'cnn' ? 'cnn' : 'mlp');
    if (!active && this.loaded) this._client.call('netRelease').catch(() => {});
    if (active && this.loaded && !this.pad.empty) this._padChanged(this.pad.input());
  }

  /** The checked modes changed (by the user or a link): the Run button and the pad follow. */
  modesChanged() {
    this._sync();
    if (this.loaded && !this.pad.empty) this._padChanged(this.pad.input());
  }

  get busy() {
    return this._jobs.busy || this._sweepJobs.busy || this._qatJobs.busy;
  }

  // ---- loading -----------------------------------------------------------------------------

  _setState(state) {
    $('panel-network').dataset.state = state;
  }

  _error(message) {
    const p = $('net-error');
    p.textContent = message;
    p.hidden = !message;
  }

  async _load(type, fields, what, transfer = []) {
    if (this.busy || this.opening) return false;
    this.opening = true;
    this._sync();
    this._setState('loading');
    this._error('');  // the message of an earlier attempt
    $('net-status').textContent = `Opening ${what}…`;
    try {
      const reply = await this._client.call(type, fields, transfer);
      const networkChanged = reply.network?.serial !== this.loaded?.network?.serial;
      const dataChanged = JSON.stringify(reply.data) !== JSON.stringify(this.loaded?.data);
      this.loaded = reply;
      this._error('');
      if (networkChanged || dataChanged) this._resetResults();
      $('net-status').textContent = `${reply.network.name} is ready. Choose “Evaluate every mode” to measure it.`;
      this._setState('ready');
      return true;
    } catch (e) {
      // The previous network, data and results stay.
      this._error(`Could not open ${what}: ${errorText(e)}`);
      $('net-status').textContent = this.loaded ? `Still showing ${this.loaded.network.name}.` : '';
      this._setState(this.loaded ? 'ready' : 'empty');
      return false;
    } finally {
      this.opening = false;
      this._showFacts();
      this._sync();
      if (this.loaded && !this.pad.empty) this._padChanged(this.pad.input());
    }
  }

  async openBundled(model) {
    const ok = await this._load('netOpen', { model, urls: bundledUrls(model) }, `the bundled ${model.toUpperCase()}`);
    if (ok) this._bundledName = model;
  }

  /** The File objects go to the worker, which reads them (no copy on the main thread). */
  async openFile(files) {
    await this._load('netOpenFile', { files }, files.map((f) => f.name).join(' and '));
  }

  async openData(files) {
    await this._load('netOpenData', { files }, files.map((f) => f.name).join(' and '));
  }

  /** Class names: Fashion-MNIST's for its 10 classes, else "class i". */
  _names() {
    const classes = this.loaded?.network?.classes ?? 10;
    return classes === FASHION_MNIST_CLASSES.length ? [...FASHION_MNIST_CLASSES] : Array.from({ length: classes }, (_, i) => `class ${i}`);
  }

  _showFacts() {
    const l = this.loaded;
    if (!l) return;
    const n = l.network;
    $('net-name').textContent = `${n.name} (${n.source === 'bundled' ? 'bundled' : 'your file'}), ${fmt.integer(n.parameters)} parameters, ` +
      `input ${n.input.join(' × ')}, ${n.classes} classes`;
    $('net-name').dataset.value = n.name;
    $('net-layers').textContent = n.layers.map((x) => (x.weightedIndex !== undefined
      ? `${x.kind} ${x.name} ${x.kernel ? `${x.kernel}×${x.kernel} ` : ''}${x.in}→${x.out}` : x.kind)).join(' · ');
    $('net-data').textContent = l.data ? `${l.data.name}: ${fmt.integer(l.data.count)} images of ${l.data.sample.join(' × ')}` : 'none';
    $('net-data').dataset.value = String(l.data?.count ?? 0);
    $('net-build').textContent = `${l.build} (${l.build === 'simd' ? 'WebAssembly SIMD128 kernels' : 'portable scalar kernels: this engine has no WebAssembly SIMD'})`;
    $('net-build').dataset.value = l.build;
    const select = $('net-model');
    select.querySelector('option[value="file"]').textContent = n.source === 'file' ? `${n.name} (your file)` : 'your network file';
    select.value = n.source === 'file' ? 'file' : this._bundledName ?? select.value;
    $('net-bundled-data').hidden = !l.data || l.data.bundled;
    const warnings = n.warnings ?? [];
    $('net-warnings').replaceChildren(...warnings.map((w) => el('li', { textContent: w })));
    $('net-warnings').hidden = warnings.length === 0;
    // QAT appears once the core has the trainer (NetworkHandle.startQat).
    $('net-qat').hidden = !n.qat;
    $('net-curve-qat-label').hidden = !n.qat;
  }

  _sync() {
    const busy = this.busy || this.opening;
    const ready = Boolean(this.loaded) && !busy;
    for (const id of ['net-run', 'net-curve-run', 'net-sens-run', 'net-qat-run']) $(id).disabled = !ready;
    $('net-run').disabled = !ready || this._modeKinds().length === 0;  // nothing to evaluate
    for (const box of document.querySelectorAll('input[name="net-mode"]')) box.disabled = busy;
    $('net-qat-steps').disabled = busy;
    $('net-curve-qat').disabled = busy;
    $('net-qat-bits').disabled = busy;
    for (const id of ['net-model', 'net-file', 'net-data-file', 'net-bundled-data', 'net-calibration', 'net-limit', 'net-timing',
      'net-per-row']) $(id).disabled = busy;
    $('panel-network').setAttribute('aria-busy', String(busy));
  }

  // ---- the table ---------------------------------------------------------------------------

  _options() {
    const limit = $('net-limit').value;
    return { calibration: $('net-calibration').value, limit: limit === 'all' ? undefined : Number(limit),
      timingRuns: Number($('net-timing').value) };
  }

  /** The modes checked under "Modes" (float, weight-only, dynamic, static: kinds, as STANDARD_MODES names them). */
  _modeKinds() {
    return [...document.querySelectorAll('input[name="net-mode"]:checked')].map((box) => box.value);
  }

  _modes() {
    const perRow = $('net-per-row').checked;
    const kinds = this._modeKinds();
    return STANDARD_MODES.filter((m) => kinds.includes(m.mode))
      .map((m) => (m.mode === 'dynamic' && perRow ? { ...m, label: `${m.label} per row`, perRow: true } : { ...m }));
  }

  _resetResults() {
    this.run = null;
    this.selected = null;
    $('net-results').hidden = true;
    $('net-detail').hidden = true;
    $('net-curve-figure').hidden = true;
    $('net-sens').hidden = true;
    $('net-sweep-status').textContent = '';
    $('panel-network').dataset.rows = '0';
  }

  async evaluate() {
    if (!this.loaded || this.busy) return;
    const modes = this._modes();
    const options = this._options();
    const run = { rows: [], count: 0, names: this._names(), modes, timing: options.timingRuns > 0, labels: null };
    const previous = this.run;
    this.run = run;
    this.selected = null;
    $('net-detail').hidden = true;
    $('net-results').hidden = false;
    this._setState('running');
    $('panel-network').dataset.rows = '0';
    this._renderTable();
    const t0 = performance.now();
    try {
      const reply = await this._jobs.run('netEvaluate', { modes, ...options }, 'Evaluating', {
        noun: 'image evaluations',
        onProgress: (msg) => {
          if (!msg.row) return;
          run.rows.push(msg.row);
          $('panel-network').dataset.rows = String(run.rows.length);
          this._renderTable();
          if (this.selected === null && msg.row.mode !== 'float') this.select(run.rows.length - 1);
        },
      });
      run.count = reply.count;
      $('panel-network').dataset.count = String(reply.count);
      $('net-status').textContent = `${modes.length} modes on ${fmt.integer(reply.count)} test images in ` +
        `${fmt.fixed((performance.now() - t0) / 1000, 1)} s (${reply.build} build, one thread).`;
      this._setState('done');
    } catch (e) {
      if (e.name === 'Cancelled') {
        $('net-status').textContent = `Evaluation cancelled after ${run.rows.length} of ${modes.length} modes.`;
        this._setState('cancelled');
      } else {
        this._error(`The evaluation failed: ${errorText(e)}`);
        this._setState('failed');
      }
      if (!run.rows.length && previous) {
        this.run = previous;
        this._renderTable();
      }
    }
  }

  _renderTable() {
    const { rows, timing } = this.run;
    const body = rows.map((r, i) => {
      const t = r.timing;
      const name = el('button', { type: 'button', className: 'link', textContent: r.label });
      name.addEventListener('click', () => this.select(i));
      const tr = el('tr', {},
        el('td', { className: 'mode-cell' }, name),
        cell('accuracy', pct(r.accuracy), r.accuracy, true),
        cell('correct', `${fmt.integer(r.correct)} / ${fmt.integer(r.total)}`, r.correct, true),
        cell('delta', pp(r.deltaPp), r.deltaPp ?? '', true),
        cell('size', kb(r.modelBytes), r.modelBytes, true),
        cell('latency', t ? `${fmt.fixed(t.batch1MedianUs, t.batch1MedianUs < 100 ? 1 : 0)} µs` : timing ? '' : 'off', t?.batch1MedianUs ?? '', true),
        cell('throughput', t ? fmt.integer(Math.round(t.batchImagesPerSecond)) : timing ? '' : 'off', t?.batchImagesPerSecond ?? '', true));
      tr.firstChild.dataset.col = 'mode';
      tr.firstChild.dataset.value = r.label;
      tr.dataset.mode = r.label;
      tr.dataset.index = String(i);
      if (i === this.selected) tr.setAttribute('aria-current', 'true');
      tr.addEventListener('click', (e) => {
        if (!e.target.closest('button')) this.select(i);
      });
      return tr;
    });
    table($('net-table'), ['Mode', 'Accuracy', 'Correct', 'Δ vs float (pp)', 'Model size', 'Batch-1 latency (median)',
      'Images/s (batch 256)'], body, new Set([1, 2, 3, 4, 5, 6]));
  }

  // ---- one mode in detail ------------------------------------------------------------------

  async select(i) {
    const run = this.run;
    const row = run?.rows[i];
    if (!row) return;
    this.selected = i;
    for (const tr of $('net-table').querySelectorAll('tbody tr')) {
      if (tr.dataset.index === String(i)) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
    $('net-detail').hidden = false;
    $('net-detail').dataset.mode = row.label;
    $('h-net-detail').textContent = `Confusion matrix: ${row.label}`;
    renderConfusion($('net-confusion'), row.confusion, run.names);
    const float = run.rows.find((r) => r.mode === 'float');
    const isFloat = row.mode === 'float';
    $('h-net-gallery').textContent = isFloat ? 'Where float32 is wrong' : `Where float32 and ${row.label} disagree`;
    if (!float) {
      $('net-gallery-status').textContent = 'No float32 row to compare with.';
      $('net-gallery').replaceChildren();
      return;
    }
    const labels = run.labels ?? (run.labels = await this._labels(row.predictions.length));
    const { indices, total } = disagreements(float.predictions, isFloat ? null : row.predictions, labels, row.predictions.length);
    $('net-gallery').dataset.total = String(total);
    $('net-gallery-status').textContent = total === 0
      ? (isFloat ? 'float32 classifies every test image right.' : `float32 and ${row.label} agree on all ${fmt.integer(row.predictions.length)} images.`)
      : `${fmt.integer(total)} of ${fmt.integer(row.predictions.length)} images${total > indices.length ? `, the first ${indices.length} shown` : ''}.`;
    if (!indices.length) {
      $('net-gallery').replaceChildren();
      return;
    }
    const reply = await this._client.call('netImages', { indices });
    if (this.selected !== i || this.run !== run) return;
    const [, h, w] = reply.sample;
    const size = reply.sample.reduce((a, b) => a * b, 1);
    renderGallery($('net-gallery'), indices.map((index, k) => ({
      index, image: reply.images.subarray(k * size, k * size + h * w), h, w, label: reply.labels[k],
      float: float.predictions[index], mode: isFloat ? null : row.predictions[index],
    })), run.names, row.label);
  }

  /** The true labels of the first `count` test images (the rows keep only predictions). */
  async _labels(count) {
    return (await this._client.call('netLabels', { count })).labels;
  }

  // ---- drawing pad ---------------------------------------------------------------------------

  _padChanged(input) {
    if (!input) {
      this._padWaiting = undefined;
      $('net-pad-predictions').replaceChildren();
      $('net-pad-predictions').dataset.count = '0';
      return;
    }
    if (!this.loaded) return;
    this._padWaiting = input;
    this._padPump();
  }

  async _padPump() {
    if (this._padBusy || !this._padWaiting) return;
    const input = this._padWaiting;
    this._padWaiting = undefined;
    this._padBusy = true;
    try {
      const reply = await this._client.call('netPad', { input, modes: this._modes(), calibration: $('net-calibration').value });
      if (!this._padWaiting && !this.pad.empty) this._renderPad(reply.predictions);
    } catch (e) {
      this._error(`The drawing pad could not be classified: ${errorText(e)}`);
    } finally {
      this._padBusy = false;
      this._padPump();
    }
  }

  /** The next test image on the pad (a way to try the pad from the keyboard, or to see what the data looks like). */
  async _padSample() {
    const data = this.loaded?.data;
    if (!data || data.sample.join() !== '1,28,28') return;
    const index = this._testImage++ % data.count;
    const reply = await this._client.call('netImages', { indices: [index] });
    const names = this._names();
    $('net-pad').setAttribute('aria-label', `Drawing pad showing test image #${index} (a ${names[reply.labels[0]] ?? 'sample'})`);
    this.pad.showImage(reply.images);
  }

  _renderPad(predictions) {
    const names = this._names();
    const list = $('net-pad-predictions');
    list.replaceChildren(...predictions.map(({ label, logits }) => {
      const probs = softmax(logits);
      const top = probs.reduce((b, p, i) => (p > probs[b] ? i : b), 0);
      const bar = el('span', { className: 'prob-bar' });
      bar.style.width = `${(100 * probs[top]).toFixed(1)}%`;
      const li = el('li', {},
        el('span', { className: 'pad-mode', textContent: label }),
        el('span', { className: 'pad-class', textContent: names[top] ?? `class ${top}` }),
        el('span', { className: 'prob-track' }, bar),
        el('span', { className: 'pad-prob', textContent: `${fmt.fixed(100 * probs[top], 1)}%` }));
      li.dataset.mode = label;
      li.dataset.top = String(top);
      li.dataset.probability = String(probs[top]);
      return li;
    }));
    list.dataset.count = String(predictions.length);
  }

  // ---- quantization-aware training ----------------------------------------------------------

  async qat() {
    if (!this.loaded || this.busy) return;
    const bits = Number($('net-qat-bits').value);
    const steps = Math.max(1, Math.trunc(Number($('net-qat-steps').value) || 0));
    const { limit, timingRuns } = this._options();
    const label = `QAT int${bits} (${steps} steps)`;
    const losses = [];
    $('net-qat-status').textContent = '';
    $('net-qat-figure').hidden = false;
    let frame = 0;
    const draw = () => {
      frame = 0;
      this.lossChart.update(losses.map((_, i) => i + 1), [{ label: 'loss', values: losses }]);
      $('net-qat-chart').dataset.steps = String(losses.length);
    };
    try {
      const reply = await this._qatJobs.run('netQat', { bits, steps, learningRate: 1e-4, limit, timingRuns, label }, 'QAT', {
        noun: 'steps',
        onProgress: (msg) => {
          if (!msg.losses) return;
          losses.splice(msg.from, msg.losses.length, ...msg.losses);
          frame ||= requestAnimationFrame(draw);
        },
      });
      cancelAnimationFrame(frame);
      draw();
      this._addRow(reply.row, reply.count);
      $('net-qat-status').textContent = `${label}: loss ${fmt.sig(losses[0], 3)} → ${fmt.sig(losses.at(-1), 3)}; ` +
        `${pct(reply.row.accuracy)} on ${fmt.integer(reply.count)} test images (static integer engine).`;
    } catch (e) {
      $('net-qat-status').textContent = e.name === 'Cancelled' ? `Training cancelled after ${losses.length} steps.`
        : `QAT failed: ${errorText(e)}`;
    }
  }

  /** A row measured apart from the table (QAT): joins the table when it ran on the same test images. */
  _addRow(row, count) {
    if (!this.run || this.run.count !== count) {
      this.run = { rows: [], count, names: this._names(), modes: [], timing: Boolean(row.timing), labels: null };
    }
    const float = this.run.rows.find((r) => r.mode === 'float');
    this.run.rows = this.run.rows.filter((r) => r.label !== row.label);
    this.run.rows.push({ ...row, deltaPp: float ? 100 * (row.accuracy - float.accuracy) : null });
    $('net-results').hidden = false;
    $('panel-network').dataset.rows = String(this.run.rows.length);
    this._renderTable();
    this.select(this.run.rows.length - 1);
  }

  // ---- sweeps --------------------------------------------------------------------------------

  async curve() {
    if (!this.loaded || this.busy) return;
    const { calibration, limit } = this._options();
    $('net-sweep-status').textContent = '';
    try {
      // With QAT: one fine-tuning per bit width, of the QAT section's steps.
      const qatSteps = $('net-curve-qat').checked && !$('net-curve-qat-label').hidden
        ? Math.max(1, Math.trunc(Number($('net-qat-steps').value) || 0)) : 0;
      const c = await this._sweepJobs.run('netCurve', { calibration, limit, qatSteps }, 'Accuracy against bit width', { noun: 'image evaluations' });
      $('net-curve-figure').hidden = false;
      const series = c.series.map((s) => ({ label: s.label, values: s.points.map((p) => 100 * p.accuracy) }));
      series.push({ label: 'float32', values: c.bits.map(() => 100 * c.float.accuracy), dashed: true, color: '--muted' });
      this.curveChart.show(c.bits, series);
      $('net-curve').dataset.curve = JSON.stringify(c.series.map((s) => ({ mode: s.mode, accuracy: s.points.map((p) => p.accuracy) })));
      $('net-curve').setAttribute('aria-label', `Accuracy against weight bits on ${fmt.integer(c.count)} images: ` +
        c.series.map((s) => `${s.label} ${s.points.map((p) => `${p.bits} bits ${fmt.fixed(100 * p.accuracy, 1)}%`).join(', ')}`).join('; ') +
        `; float32 ${fmt.fixed(100 * c.float.accuracy, 1)}%.`);
      $('net-sweep-status').textContent = `Accuracy against bit width on ${fmt.integer(c.count)} test images (${calibration} calibration).`;
    } catch (e) {
      $('net-sweep-status').textContent = e.name === 'Cancelled' ? 'Cancelled.' : `Failed: ${errorText(e)}`;
    }
  }

  async sensitivity() {
    if (!this.loaded || this.busy) return;
    const { calibration, limit } = this._options();
    const bits = Number($('net-sens-bits').value);
    $('net-sweep-status').textContent = '';
    try {
      const rep = await this._sweepJobs.run('netSensitivity', { bits, calibration, limit }, 'Sensitivity', { noun: 'image evaluations' });
      $('net-sens').hidden = false;
      const names = new Map(rep.layers.map((l) => [l.index, l.name]));
      table($('net-sens-layers'), ['Layer', 'Parameters', `Accuracy, only this layer at ${bits} bits`, 'Drop vs float (pp)'],
        [...rep.layers].sort((a, b) => b.dropPp - a.dropPp).map((l) => {
          const tr = el('tr', {}, cell('layer', `${l.kind} ${l.name}`, l.name), cell('parameters', fmt.integer(l.parameters), l.parameters, true),
            cell('accuracy', pct(l.accuracy), l.accuracy, true), cell('drop', fmt.fixed(l.dropPp, 2), l.dropPp, true));
          tr.dataset.layer = l.name;
          return tr;
        }), new Set([1, 2, 3]));
      table($('net-sens-keep'), ['Layers in float (k)', 'Which', 'Accuracy', 'Drop vs float (pp)', 'Model size'],
        rep.keepFloat.map((r) => el('tr', {}, cell('k', String(r.k), r.k, true),
          cell('which', r.floatLayers.length ? r.floatLayers.map((i) => names.get(i)).join(', ') : `none: every layer at ${bits} bits`),
          cell('accuracy', pct(r.accuracy), r.accuracy, true), cell('drop', fmt.fixed(r.dropPp, 2), r.dropPp, true),
          cell('size', kb(r.modelBytes), r.modelBytes, true))), new Set([0, 2, 3, 4]));
      $('net-sweep-status').textContent = `Static PTQ at ${bits} bits per channel, int8 activations, on ${fmt.integer(rep.count)} test ` +
        `images; float32 ${pct(rep.float.accuracy)}, ${kb(rep.float.modelBytes)}.`;
    } catch (e) {
      $('net-sweep-status').textContent = e.name === 'Cancelled' ? 'Cancelled.' : `Failed: ${errorText(e)}`;
    }
  }
}
