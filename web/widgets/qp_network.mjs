// <qp-network> (docs/widgets.md): the network comparison of #6, compact. A bundled Fashion-MNIST
// model (`model`: mlp | cnn) evaluated in each mode (`modes`) on the first `limit` test images by the
// worker (handlers_network.mjs); rows stream into a table of accuracy, change against float, size
// and batch-1 latency. Each element owns its network in the worker under its own instance id and
// releases it when it leaves the page, so several <qp-network> never share state.
import { assetUrl, widgetCore } from './runtime.mjs';
import { attachShell, choiceAttribute, el, errorText, intAttribute, parseControls, ProgressBox } from './heavy_shell_view.mjs';
import { BUNDLED } from '../lib/datasets.mjs';
import { STANDARD_MODES } from '../lib/network_eval.mjs';
import * as fmt from '../app/format.mjs';

const CONTROLS = ['model', 'limit', 'run'];
const MODELS = ['mlp', 'cnn'];
const MODE_NAMES = ['float', 'weight-only', 'dynamic', 'static'];
const LIMITS = [200, 500, 1000, 2000, 5000, 10000];
const TIMING_RUNS = 100;  // single-image forwards timed for the latency column (~0.1 s per mode)
let instances = 0;

const CSS = `
table.data td[data-col="mode"] { white-space: normal; min-width: 9rem; }
.run-row { display: flex; gap: 0.5rem; align-items: end; }
`;

const pct = (x) => `${fmt.fixed(100 * x, 2)}%`;
const pp = (x) => (x === null || x === undefined ? '' : `${x > 0 ? '+' : ''}${fmt.fixed(x, 2)}`);
const kb = (bytes) => `${fmt.fixed(bytes / 1024, 1)} KB`;

function bundledUrls(model) {
  return { model: assetUrl(BUNDLED.models[model]), testImages: assetUrl(BUNDLED.test.images),
    testLabels: assetUrl(BUNDLED.test.labels), trainImages: assetUrl(BUNDLED.train.images),
    trainLabels: assetUrl(BUNDLED.train.labels) };
}

/**
 * The rows of the `modes` attribute (mode kinds, comma-separated), in the app's order: each kind
 * brings its rows of the app's table (weight-only: int8 and int4 g32). -> {modes} or {error}.
 */
function readModes(text) {
  if (text === null || text.trim() === '') return { modes: STANDARD_MODES.map((m) => ({ ...m })) };
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((n) => !MODE_NAMES.includes(n));
  if (unknown.length) {
    const qat = unknown.includes('qat') ? ' (qat trains for minutes: use the app\'s Network tab)' : '';
    return { error: `modes="${text}": unknown ${unknown.join(', ')}${qat}; use any of ${MODE_NAMES.join(', ')}` };
  }
  if (!names.length) return { error: `modes="${text}" names no mode` };
  return { modes: STANDARD_MODES.filter((m) => names.includes(m.mode)).map((m) => ({ ...m })) };
}

export class QpNetwork extends HTMLElement {
  static observedAttributes = ['model', 'modes', 'limit', 'autorun', 'controls'];

  constructor() {
    super();
    this._instance = `qp-network-${++instances}-${Math.random().toString(36).slice(2, 8)}`;
    this._root = attachShell(this, CSS);
    this._opened = null;    // {model, promise} of the network loaded in the worker for this element
    this._job = null;       // {controller, userCancelled}
    this._settings = null;
    this._pending = false;
    this._runKey = null;
    /** The last evaluation: {model, network, count, rows, cancelled} (null before the first). */
    this.result = null;
    this._build();
  }

  _build() {
    const field = (name, label, input) => {
      input.addEventListener('change', () => this._userChange(name, input.value));
      return el('label', { className: `control control-${name}` }, label, input);
    };
    this._inputs = {
      model: el('select', {}, el('option', { value: 'mlp', textContent: 'MLP (235k parameters)' }),
        el('option', { value: 'cnn', textContent: 'CNN (20k parameters)' })),
      limit: el('select', {}, ...LIMITS.map((n) => el('option', { value: String(n), textContent: fmt.integer(n) }))),
    };
    this._runButton = el('button', { type: 'button', className: 'primary', textContent: 'Run' });
    this._runButton.addEventListener('click', () => this._run());
    this._controls = el('div', { className: 'controls' },
      field('model', 'Model', this._inputs.model), field('limit', 'Test images', this._inputs.limit),
      el('div', { className: 'control control-run run-row' }, this._runButton));
    this._message = el('p', { className: 'message', hidden: true });
    this._message.setAttribute('role', 'alert');
    this._status = el('p', { className: 'status' });
    this._status.setAttribute('role', 'status');
    this._progress = new ProgressBox(() => this._cancel(), 'Network evaluation');
    this._table = el('table', { className: 'data', hidden: true });
    this._footer = el('p', { className: 'footer', textContent: 'Fashion-MNIST test images; static int8 calibrated on 1,000 ' +
      'training images. Latency: median of single-image forwards in your browser.' });
    // The scroll area takes keyboard focus, so keyboard users can scroll a table wider than a phone.
    const scroll = el('div', { className: 'table-scroll', tabIndex: 0 }, this._table);
    scroll.setAttribute('role', 'region');
    scroll.setAttribute('aria-label', 'Results per mode (scrollable)');
    const box = el('section', { className: 'box' }, this._controls, this._message, this._status, this._progress.element,
      scroll, this._footer);
    box.setAttribute('aria-label', 'Network comparison of quantization modes');
    this._root.append(box);
  }

  connectedCallback() {
    this._schedule();
  }

  disconnectedCallback() {
    this._abort();
    if (this._opened) {
      this._opened = null;
      // Frees the network in the worker; a job still running stops at its next step.
      widgetCore().call('networkRelease', { instance: this._instance }).catch(() => {});
    }
  }

  attributeChangedCallback() {
    this._schedule();
  }

  _schedule() {
    if (this._pending) return;
    this._pending = true;
    queueMicrotask(() => {
      this._pending = false;
      if (this.isConnected) this._refresh();
    });
  }

  /** What the attributes ask for: {settings, modeList, controls, errors} (a bad value's setting is undefined). */
  _read() {
    const errors = [];
    const take = (r) => {
      if (r.error) errors.push(r.error);
      return r.value;
    };
    const model = take(choiceAttribute(this, 'model', 'mlp', MODELS));
    const limit = take(intAttribute(this, 'limit', 2000, 1, 10000));
    const modes = readModes(this.getAttribute('modes'));
    if (modes.error) errors.push(modes.error);
    const controls = parseControls(this.getAttribute('controls'), CONTROLS);
    if (controls.error) errors.push(controls.error);
    const autorun = this.hasAttribute('autorun') && this.getAttribute('autorun') !== 'false';
    return { settings: { model, modes: this.getAttribute('modes')?.trim() || MODE_NAMES.join(','), limit, autorun },
      modeList: modes.modes, controls: controls.shown, errors };
  }

  _refresh() {
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
    this._modes = read.modeList;
    const key = JSON.stringify([read.settings.model, read.modeList.map((m) => m.label), read.settings.limit]);
    if (key === this._runKey && (this._job || this.result)) {
      if (!this._job) this.dataset.state = 'ready';
      return;
    }
    this._abort();
    this._runKey = null;
    this._table.hidden = true;
    this.result = null;
    this.dataset.state = 'loading';
    const opening = this._open(read.settings.model);
    this._waitingFor = opening;
    opening.then((ok) => {
      // Only the latest refresh acts, and only when no run started meanwhile (a Run click).
      if (!ok || this._waitingFor !== opening || this._job) return;
      if (this._settings.autorun) {
        this._run();  // stays 'loading' until the rows are in
      } else {
        this._status.textContent = `${this._network.name}: ${fmt.integer(this._network.parameters)} parameters. ` +
          `Choose Run to evaluate ${this._modes.length} modes on the first ` +
          `${fmt.integer(Math.min(this._settings.limit, this._dataCount))} test images.`;
        this.dataset.state = 'ready';
      }
    });
  }

  _showControls({ controls, settings }) {
    for (const name of CONTROLS) this._controls.querySelector(`.control-${name}`).hidden = !controls.has(name);
    this._controls.hidden = controls.size === 0;
    for (const name of ['model', 'limit']) {
      if (settings[name] === undefined) continue;  // a bad value: the message says which
      const input = this._inputs[name], value = String(settings[name]);
      if (name === 'limit' && !LIMITS.includes(settings.limit)) {
        // A limit the menu does not list (set by the attribute) still shows as the current choice.
        for (const o of [...input.options]) if (o.dataset.custom) o.remove();
        const option = el('option', { value, textContent: fmt.integer(settings.limit) });
        option.dataset.custom = 'true';
        input.append(option);
      }
      input.value = value;
    }
  }

  _userChange(name, value) {
    this.setAttribute(name, value);
    this._refresh();
    this.dispatchEvent(new CustomEvent('qp-change', { bubbles: true, composed: true, detail: this._read().settings }));
  }

  /**
   * Loads `model` for this element in the worker (once per model, again after the element left the
   * page); resolves true when it is ready, false when it failed (the message shows) or was replaced.
   */
  _open(model) {
    if (this._opened?.model === model) return this._opened.promise;
    this._runButton.disabled = true;
    this._status.textContent = `Loading the ${model.toUpperCase()} and the test images…`;
    const promise = widgetCore().call('networkOpen', { instance: this._instance, model, urls: bundledUrls(model) })
      .then((reply) => {
        if (this._opened?.promise !== promise) return false;
        this._network = reply.network;
        this._dataCount = reply.data.count;
        this._runButton.disabled = Boolean(this._job);
        return true;
      }, (e) => {
        if (this._opened?.promise !== promise) return false;
        this._opened = null;
        this._fail(errorText(e));
        return false;
      });
    this._opened = { model, promise };
    return promise;
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

  async _run() {
    if (this._job || !this._settings) return;
    const { model, limit } = this._settings;
    const modes = this._modes;
    const key = JSON.stringify([model, modes.map((m) => m.label), limit]);
    const job = { controller: new AbortController(), userCancelled: false };
    this._job = job;
    this._runKey = key;
    this.dataset.state = 'loading';
    this._runButton.disabled = true;
    const rows = [];
    this._progress.start('Preparing…');
    try {
      if (!await this._open(model) || this._job !== job) return;
      const count = Math.min(limit, this._dataCount);
      this._status.textContent = `Evaluating ${modes.length} modes on ${fmt.integer(count)} test images…`;
      this._renderTable(rows, modes);
      const reply = await widgetCore().call('networkEvaluate',
        { instance: this._instance, model, modes, limit, timingRuns: TIMING_RUNS }, {
          signal: job.controller.signal,
          onProgress: (msg) => {
            if (this._job !== job) return;
            this._progress.update(msg.done, msg.total, `${fmt.integer(msg.done)} of ${fmt.integer(msg.total)} image runs` +
              (msg.name ? ` (${msg.name})` : ''));
            if (msg.row) {
              rows[msg.row.index] = msg.row;
              this._renderTable(rows, modes);
            }
          },
        });
      if (this._job !== job) return;
      this.result = { model, network: this._network, count: reply.count, rows: reply.rows.map(summary), cancelled: false };
      this._renderTable(reply.rows, modes);
      const float = reply.rows.find((r) => r.mode === 'float');
      this._status.textContent = `${reply.rows.length} modes on the first ${fmt.integer(reply.count)} test images` +
        (float ? `; float32 ${pct(float.accuracy)}.` : '.');
      this.dataset.state = 'ready';
    } catch (e) {
      if (this._job !== job && !job.userCancelled) return;
      if (job.userCancelled) {
        const done = rows.filter(Boolean);
        this.result = { model, network: this._network, count: null, rows: done.map(summary), cancelled: true };
        this._status.textContent = `Cancelled after ${done.length} of ${modes.length} modes.`;
        this.dataset.state = 'ready';
      } else {
        this._fail(errorText(e));
      }
    } finally {
      if (this._job === job) this._job = null;
      this._progress.stop();
      this._runButton.disabled = !this._opened;
    }
  }

  _fail(text) {
    this._message.textContent = text;
    this._message.hidden = false;
    this._status.textContent = '';
    this._progress.stop();
    this._table.hidden = true;
    this._runKey = null;
    this.result = null;
    this.dataset.state = 'error';
  }

  _renderTable(rows, modes) {
    const cell = (col, text, value) => {
      const td = el('td', { textContent: text, className: col === 'mode' ? '' : 'num' });
      td.dataset.col = col;
      td.dataset.value = String(value);
      return td;
    };
    const body = modes.map((m, i) => {
      const r = rows[i];
      const tr = el('tr', {}, cell('mode', m.label, m.label));
      tr.dataset.mode = m.label;
      if (!r) {
        tr.append(cell('accuracy', '…', ''), cell('delta', '', ''), cell('size', '', ''), cell('latency', '', ''));
        return tr;
      }
      const us = r.timing?.batch1MedianUs;
      // 0 µs: the page's coarse clock (100 µs when not cross-origin isolated) could not time it.
      const latency = us === undefined ? '' : us > 0 ? `${fmt.fixed(us, us < 100 ? 1 : 0)} µs` : 'too fast to time';
      tr.append(cell('accuracy', pct(r.accuracy), r.accuracy), cell('delta', pp(r.deltaPp), r.deltaPp ?? ''),
        cell('size', kb(r.modelBytes), r.modelBytes), cell('latency', latency, us ?? ''));
      return tr;
    });
    const head = ['Mode', 'Accuracy', 'Δ vs float (pp)', 'Size', 'Latency (batch 1)'];
    this._table.replaceChildren(
      el('caption', { textContent: `${this._network?.name ?? ''} on Fashion-MNIST: one row per quantization mode.` }),
      el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', textContent: h, className: i ? 'num' : '' })))),
      el('tbody', {}, ...body));
    this._table.hidden = false;
  }
}

/** What `result` exposes of a row (the worker's row without its big arrays). */
function summary(r) {
  return { label: r.label, mode: r.mode, bits: r.bits ?? null, accuracy: r.accuracy, correct: r.correct, total: r.total,
    deltaPp: r.deltaPp, modelBytes: r.modelBytes, latencyUs: r.timing?.batch1MedianUs ?? null };
}

if (!customElements.get('qp-network')) customElements.define('qp-network', QpNetwork);
