// The Kernels tab: what this device can run (WebAssembly SIMD, relaxed SIMD, threads and
// cross-origin isolation, the build in use) and the GEMM benchmark of our kernels on it, run in
// the worker (worker_kernels.mjs) with a progress bar and Cancel. Rows stream in as they are
// measured: bars per shape (HTML bars on one scale, the shape's peak-loop figure also as a dashed
// line) and a table with median and best GOPS and the ratios int8/float32 and int8/peak.
import { SHAPES } from './worker_kernels.mjs';
import * as fmt from './format.mjs';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
const INT8_KINDS = new Set(['int8', 'int8-relaxed']);
const SHAPE_NOTES = { '1,784,256': 'batch 1 (matrix × vector)', '1024,1024,1024': 'several seconds on a phone' };

/** Phones and small machines start without 1024³ (it takes seconds per kernel there). */
function slowDevice() {
  const mobile = navigator.userAgentData?.mobile === true || /Android|iPhone|iPad|Mobi/i.test(navigator.userAgent);
  return mobile || (navigator.hardwareConcurrency ?? 1) < 4 || (navigator.deviceMemory ?? 8) < 4;
}

function setValue(id, value, text) {
  $(id).dataset.value = String(value);
  $(id).textContent = text;
}

const gops = (x) => fmt.fixed(x, x >= 10 ? 1 : 2);
const shapeText = (shape) => shape.join(' × ');

export class KernelsView {
  /**
   * @param {{client: import('./client.mjs').WorkerClient, jobs: import('./progress.mjs').JobRunner,
   *   showError(message: string): void}} deps
   */
  constructor({ client, jobs, showError }) {
    Object.assign(this, { _client: client, _jobs: jobs, _showError: showError });
    this.info = null;     // kernelInfo() from the worker
    this.result = null;   // {shapes, rows}
    const slow = slowDevice();
    $('kernel-shapes').replaceChildren(...SHAPES.map((shape) => {
      const key = shape.join();
      const box = el('input', { type: 'checkbox', checked: key !== '1024,1024,1024' || !slow });
      box.dataset.shape = key;
      const label = el('label', { className: 'check' }, box, ` ${shapeText(shape)}`);
      if (SHAPE_NOTES[key]) label.append(el('span', { className: 'hint', textContent: SHAPE_NOTES[key] }));
      return label;
    }));
    $('kernel-shapes').addEventListener('change', () => this._syncButtons());
    $('kernel-run').addEventListener('click', () => this.run());
    jobs.onBusyChange = () => this._syncButtons();
    this._showThreads();
    setValue('cap-cores', navigator.hardwareConcurrency ?? 0,
      navigator.hardwareConcurrency ? fmt.integer(navigator.hardwareConcurrency) : 'not reported');
    setValue('cap-agent', navigator.userAgent, navigator.userAgent);
  }

  /** start() the first time only: the tab calls it each time it is shown. */
  startOnce() {
    this._started ??= this.start();
    return this._started;
  }

  /** Ask the worker what it runs (after its WebAssembly core started). */
  async start() {
    try {
      this.info = await this._client.call('kernelInfo');
    } catch (e) {
      $('kernel-status').textContent = `The kernels cannot be listed: ${e.message}`;
      return;
    }
    const i = this.info;
    setValue('cap-simd', i.simd, i.simd ? 'yes: the SIMD128 build runs'
      : 'no: the scalar build runs (every kernel is portable C++ without SIMD)');
    let relaxed;
    if (i.relaxedInstalled && i.relaxedKernels === 'u8') {
      relaxed = 'supported by the engine, exact on unsigned bytes (as with VNNI): the relaxed-SIMD int8 kernel runs ' +
        'full-range weights in one fused dot, and is timed';
    } else if (i.relaxedInstalled) {
      relaxed = 'supported by the engine; the relaxed-SIMD int8 kernel runs weights spanning up to 127 codes (int7, ' +
        'int4) and is timed; full-range int8 weights fall back to SIMD128 on this CPU';
    }
    else if (i.relaxedSimd) relaxed = `supported by the engine, kernel not available in this build${i.relaxedReason ? ` (${i.relaxedReason})` : ''}`;
    else relaxed = 'not supported by this engine';
    setValue('cap-relaxed', i.relaxedInstalled ? 'installed' : i.relaxedSimd ? 'engine' : 'none', relaxed);
    $('cap-relaxed').dataset.engine = String(Boolean(i.relaxedSimd));
    setValue('cap-build', i.build, `${i.build} (kernel tier ${i.kernelTier})`);
    this._showThreads(i);
    $('panel-kernels').dataset.kernels = JSON.stringify(i.kernels.map((k) => k.id));
    this._syncButtons();
  }

  _showThreads(info) {
    const sab = typeof SharedArrayBuffer === 'function';
    const isolated = globalThis.crossOriginIsolated === true;
    const dd = $('cap-threads');
    dd.dataset.sharedArrayBuffer = String(sab);
    dd.dataset.isolated = String(isolated);
    const threads = info?.threads;
    dd.dataset.value = threads?.installed ? 'threads' : 'single';
    dd.textContent = `SharedArrayBuffer ${sab ? 'available' : 'not available'}; cross-origin isolated: ` +
      `${isolated ? 'yes' : 'no'}. ` + (threads?.installed
      ? `Threaded kernels: the pthreads build runs the rows marked "threads" on ${threads.count} threads; the others run on one.`
      : `Threaded kernels off: ${threads?.reason ?? 'not checked yet'}. Every kernel below runs on one thread.`);
  }

  _shapes() {
    return [...$('kernel-shapes').querySelectorAll('input:checked')].map((b) => b.dataset.shape.split(',').map(Number));
  }

  _syncButtons() {
    const busy = this._jobs.busy;
    $('kernel-run').disabled = busy || !this.info || this._shapes().length === 0;
    $('kernel-options').disabled = busy;
    $('kernel-reps').disabled = busy;
    $('panel-kernels').setAttribute('aria-busy', String(busy));
  }

  async run() {
    const shapes = this._shapes();
    if (!shapes.length || this._jobs.busy) return;
    const repetitions = Number($('kernel-reps').value);
    const section = $('panel-kernels');
    const rows = [];
    this.result = { shapes, rows };
    section.dataset.state = 'running';
    section.dataset.rows = '0';
    $('kernel-status').textContent = '';
    $('kernel-results').hidden = false;
    this._render();
    const t0 = performance.now();
    try {
      await this._jobs.run('benchKernels', { shapes, repetitions, seed: 1 }, 'Measuring', {
        noun: 'measurements',
        onProgress: (msg) => {
          if (msg.row) {
            rows.push(msg.row);
            section.dataset.rows = String(rows.length);
            this._render();
          }
        },
      });
      const failed = rows.filter((r) => r.error);
      const measured = rows.filter((r) => r.kind !== 'peak').length;
      section.dataset.state = failed.length ? 'failed' : 'done';
      $('kernel-status').textContent = `${measured} kernel measurements in ${fmt.fixed((performance.now() - t0) / 1000, 1)} s, ` +
        'one thread. Figures vary with what else the machine is doing: run again to compare.' +
        (failed.length ? ` ${failed.length} kernel output check(s) failed: those kernels were not timed.` : '');
      if (failed.length) this._showError(`Kernel check failed: ${failed[0].error}`);
    } catch (e) {
      section.dataset.state = e.name === 'Cancelled' ? 'cancelled' : 'failed';
      if (e.name === 'Cancelled') {
        $('kernel-status').textContent = `Benchmark cancelled after ${rows.filter((r) => r.kind !== 'peak').length} kernel measurements.`;
      } else {
        this._showError(e.name === 'QplayError' ? `Benchmark failed: ${e.message}` : `Benchmark failed: internal error: ${e.message}`);
      }
    } finally {
      this._syncButtons();
    }
  }

  /** Median GOPS of `kind` ('f32', 'peak') at `shape` in this run, or null. */
  _median(kind, shape) {
    return this.result.rows.find((r) => r.kind === kind && !r.error && String(r.shape) === String(shape))?.medianGops ?? null;
  }

  _render() {
    this._renderBars();
    this._renderTable();
  }

  _renderBars() {
    const { shapes, rows } = this.result;
    const scale = Math.max(...rows.map((r) => r.medianGops ?? 0)) || 1;
    const pct = (x) => `${Math.min(100, (100 * x) / scale).toFixed(2)}%`;
    const groups = [];
    for (const shape of shapes) {
      const list = rows.filter((r) => String(r.shape) === String(shape));
      if (!list.length) continue;
      const peak = this._median('peak', shape);
      const ul = el('ul', { className: 'bar-list' });
      for (const r of list) {
        const track = el('span', { className: 'bar-track' });
        track.setAttribute('aria-hidden', 'true');
        const li = el('li', {}, el('span', { className: 'bar-label', textContent: r.label }), track);
        li.dataset.kernel = r.kernel;
        if (r.error) {
          li.classList.add('has-problem');
          li.append(el('span', { className: 'bar-value', textContent: 'output check failed' }));
        } else {
          const bar = el('span', { className: `bar ${INT8_KINDS.has(r.kind) ? 'int8' : r.kind}` });
          bar.style.width = pct(r.medianGops);  // CSSOM, allowed by the CSP (style attributes are not)
          track.append(bar);
          li.dataset.gops = String(r.medianGops);
          li.append(el('span', { className: 'bar-value', textContent: `${gops(r.medianGops)} GOPS` }));
        }
        if (peak && r.kind !== 'peak') {
          const mark = el('span', { className: 'peak-mark' });
          mark.style.left = pct(peak);
          track.append(mark);
        }
        ul.append(li);
      }
      groups.push(el('section', { className: 'bar-group' }, el('h3', { textContent: `${shapeText(shape)}` }), ul));
    }
    $('kernel-bars').replaceChildren(...groups);
  }

  _renderTable() {
    const { rows } = this.result;
    const head = ['Shape M×K×N', 'Kernel', 'GOPS median', 'GOPS best', 'ms per run', 'int8 / float32', 'of peak', 'Batches', 'Check'];
    const numeric = new Set([2, 3, 4, 5, 6]);
    const thead = el('thead', {}, el('tr', {}, ...head.map((h, i) => {
      const th = el('th', { textContent: h, scope: 'col' });
      if (numeric.has(i)) th.className = 'num';
      return th;
    })));
    const cell = (col, text, value = text, num = false) => {
      const td = el('td', { textContent: text });
      td.dataset.col = col;
      td.dataset.value = String(value);
      if (num) td.className = 'num';
      return td;
    };
    const line = (r, shape) => {
      const isInt8 = INT8_KINDS.has(r.kind) && !r.error;
      const f32 = isInt8 ? this._median('f32', r.shape) : null;
      const peak = isInt8 ? this._median('peak', r.shape) : null;
      const tr = el('tr', {},
        cell('shape', shape, shape),
        cell('kernel', r.variant && r.kind === 'int8-relaxed' ? `${r.label} (${r.variant.replace(/^int8-relaxed\//, '')})` : r.label, r.kernel),
        cell('median', r.error ? '' : gops(r.medianGops), r.medianGops ?? '', true),
        cell('best', r.error ? '' : gops(r.bestGops), r.bestGops ?? '', true),
        cell('ms', r.error || r.kind === 'peak' ? '' : fmt.sig(r.msPerRun, 3), r.kind === 'peak' ? '' : r.msPerRun ?? '', true),
        cell('vs-f32', f32 ? `${fmt.fixed(r.medianGops / f32, 2)}×` : '', f32 ? r.medianGops / f32 : '', true),
        cell('vs-peak', peak ? `${fmt.fixed((100 * r.medianGops) / peak, 0)}%` : '', peak ? r.medianGops / peak : '', true),
        cell('batches', r.error ? '' : `${r.repetitions} × ${fmt.integer(r.runsPerBatch)}`, r.runsPerBatch ?? ''),
        cell('check', r.error ?? 'ok', r.error ? 'failed' : 'ok'));
      tr.dataset.kernel = r.kernel;
      tr.dataset.shape = shape;
      if (r.error) {
        tr.classList.add('has-problem');
        tr.lastChild.classList.add('wrap');
      }
      return tr;
    };
    const body = el('tbody');
    for (const r of rows) body.append(line(r, r.shape.join('×')));
    $('kernel-table').replaceChildren(thead, body);
  }
}
