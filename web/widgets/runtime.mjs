// The widgets' shared core: one Worker per page hosting the WebAssembly core (widget_worker.mjs),
// created on first use and shared by every widget on the page. Protocol as the app's Worker
// (web/app/client.mjs): {id, type, ...fields} → progress messages, then {id, type: 'result'} or
// {id, type: 'error', name, message}; {type: 'cancel', job} stops a cancellable job.
//
// Cross-origin: a page on another origin may load this bundle, but a Worker's script must be
// same-origin with the page. Then the Worker starts from a same-origin blob: module whose only
// line imports the real worker script (a CORS request; the host sends Access-Control-Allow-Origin).
// If the host page's CSP refuses that Worker (worker-src without blob:), the same handlers run on
// the main thread instead: slower for long jobs, same interface.
import workerScript from './widget_worker.mjs?worker&url';
import { deliverReply } from '../app/client.mjs';

const here = new URL(import.meta.url);
// The bundle's root folder (dist/ once built, web/ in the dev server). Built, this code runs in
// dist/qp-widgets.js itself or in a chunk under dist/assets/ (vite.config.js names them so);
// unbuilt, it is web/widgets/runtime.mjs.
const bundleRoot = new URL(here.pathname.endsWith('/qp-widgets.js') ? './' : '../', here);

/**
 * A bundled asset (`models/cnn.safetensors`, `fmnist/…`) as an absolute URL, from any page. Call it
 * in the element (main thread) and send the URL with the request, as the app does: the worker's
 * handlers must not import this module (it names the worker script itself).
 */
export function assetUrl(path) {
  return new URL(path, bundleRoot).href;
}

/** Where the worker script is (absolute: the page may be on another origin). */
export function workerScriptUrl() {
  return new URL(workerScript, import.meta.url).href;
}

function abortError() {
  return new DOMException('the request was cancelled', 'AbortError');
}

class WidgetCore {
  constructor() {
    this._nextId = 1;
    this._calls = new Map();  // id -> {resolve, reject, onProgress, msg}
    this._worker = null;
    this._mainThread = null;  // Promise of widget_worker.mjs's dispatch, once we fell back
    this._heard = false;      // the worker answered at least once: a later error is a crash, not a refusal
    /** 'worker' or 'main-thread' once decided (tests and the widgets' footers read it). */
    this.mode = null;
    /** Why the core runs on the main thread (null while it runs in a Worker). */
    this.fallbackReason = null;
  }

  _start() {
    if (this.mode) return;
    try {
      this._worker = createWorker();
      this.mode = 'worker';
    } catch (e) {
      this._fallBack(`the Worker could not be created (${e.message})`);
      return;
    }
    this._worker.addEventListener('message', (e) => {
      this._heard = true;
      this._receive(e.data);
    });
    this._worker.addEventListener('error', (e) => {
      e.preventDefault();
      if (!this._heard) {
        // Refused (CSP) or unloadable before it ever answered: run the requests here instead.
        this._worker.terminate();
        this._worker = null;
        this._fallBack(`the Worker did not start (${e.message || 'refused by the page or not loadable'})`);
      } else {
        this._failAll(new Error(`the widget core stopped: ${e.message || 'unknown error'}`));
      }
    });
  }

  _fallBack(reason) {
    this.mode = 'main-thread';
    this.fallbackReason = reason;
    this._mainThread = import('./widget_worker.mjs').then((m) => m.dispatch);
    for (const [, call] of this._calls) this._send(call.msg);
  }

  _send(msg) {
    if (this._worker) {
      this._worker.postMessage(msg);
      return;
    }
    this._mainThread.then(
      (dispatch) => dispatch(msg, (reply) => this._receive(reply)),
      (e) => this._receive({ id: msg.id, type: 'error', name: 'Error', message: `the core could not be loaded: ${e.message}` }));
  }

  _failAll(error) {
    const calls = [...this._calls.values()];
    this._calls.clear();
    for (const call of calls) call.reject(error);
  }

  _receive(msg) {
    deliverReply(this._calls, msg);  // unknown ids: cancelled meanwhile, or a cancel's own reply
  }

  /**
   * One request: resolves with the reply's fields (plus id and type), rejects with the handler's
   * error (its name kept: 'QplayError' messages are meant for the reader), or with an AbortError
   * as soon as `signal` aborts (the job is told to stop; its late reply is dropped).
   */
  call(type, fields = {}, { onProgress, signal } = {}) {
    if (signal?.aborted) return Promise.reject(abortError());
    this._start();
    const id = this._nextId++;
    const msg = { ...fields, id, type };
    return new Promise((resolve, reject) => {
      const call = { resolve, reject, onProgress, msg };
      this._calls.set(id, call);
      if (signal) {
        const onAbort = () => {
          if (!this._calls.delete(id)) return;
          this._send({ id: this._nextId++, type: 'cancel', job: id });
          reject(abortError());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = (f) => (v) => { signal.removeEventListener('abort', onAbort); f(v); };
        call.resolve = settle(resolve);
        call.reject = settle(reject);
      }
      // Before the fallback's import resolved, _send queues behind it; before the mode is known
      // (never: _start decides synchronously) nothing would be lost either.
      this._send(msg);
    });
  }
}

function createWorker() {
  const url = workerScriptUrl();
  if (new URL(url).origin === location.origin) return new Worker(url, { type: 'module', name: 'qp-widgets' });
  const source = `import ${JSON.stringify(url)};\n`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return new Worker(blobUrl, { type: 'module', name: 'qp-widgets' });
  } finally {
    // The Worker fetched (or is fetching) its script; the URL is no longer needed once it loaded.
    setTimeout(() => URL.revokeObjectURL(blobUrl), 30_000);
  }
}

let shared = null;

/** The page's one shared core client, created on first use. */
export function widgetCore() {
  shared ??= new WidgetCore();
  return shared;
}
