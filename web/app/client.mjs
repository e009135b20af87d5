// Talks to the Worker (worker.mjs) with typed messages, and coalesces updates: at most one update
// is in flight and at most one waits; a newer update replaces the waiting one, and a result is
// delivered only if no newer update was asked for meanwhile, so a stale result never reaches the
// page. A pending load is never dropped by a later control change: the two merge (the load keeps
// its tensor and takes the newest options), and a load's outcome is always delivered.

export class WorkerClient {
  /**
   * @param {Worker} worker
   * @param {{onResult(reply, request), onError(error, request), onBusy(busy: boolean)}} handlers
   */
  constructor(worker, handlers) {
    this._worker = worker;
    this._handlers = handlers;
    this._nextId = 1;
    this._calls = new Map();  // id -> {resolve, reject}
    this._inFlight = null;    // the update request being computed
    this._waiting = null;     // the newest update not sent yet
    worker.addEventListener('message', (e) => this._receive(e.data));
    // The worker script failed to load or threw outside a request: fail every pending call.
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      this._failAll(new Error(`the worker stopped: ${e.message || 'it could not be loaded'}`));
    });
  }

  _failAll(error) {
    const calls = [...this._calls.values()];
    this._calls.clear();
    for (const call of calls) call.reject(error);
  }

  /** A one-off request (e.g. 'hello'), resolved with the worker's reply. */
  call(type, fields = {}, transfer = []) {
    return this.job(type, fields, { transfer }).done;
  }

  /**
   * A request that may report progress before its reply (analysis, export): {id, done} where
   * `done` resolves with the reply and onProgress gets each {done, total, name} on the way. The
   * id is what a 'cancel' request names.
   */
  job(type, fields = {}, { transfer = [], onProgress } = {}) {
    const id = this._nextId++;
    const done = new Promise((resolve, reject) => {
      this._calls.set(id, { resolve, reject, onProgress });
      this._worker.postMessage({ id, type, ...fields }, transfer);
    });
    return { id, done };
  }

  /**
   * Ask for a new view: {load?, options, channel}. Coalesced; the result goes to onResult or
   * onError. `load.bytes` (an ArrayBuffer) is transferred to the worker when sent.
   */
  update(request) {
    if (this._waiting?.load && !request.load) request = { ...request, load: this._waiting.load };
    this._waiting = request;
    this._handlers.onBusy?.(true);
    this._pump();
  }

  /** True while a newer update waits: a result delivered now is about to be superseded. */
  get hasWaiting() {
    return this._waiting !== null;
  }

  _pump() {
    if (this._inFlight || !this._waiting) return;
    const request = this._waiting;
    this._waiting = null;
    this._inFlight = request;
    const transfer = request.load?.bytes ? [request.load.bytes] : [];
    this.call('update', request, transfer).then(
      (reply) => this._settle(request, () => this._handlers.onResult(reply, request)),
      (error) => this._settle(request, () => this._handlers.onError(error, request)));
  }

  _settle(request, deliver) {
    this._inFlight = null;
    // With a newer update waiting, a plain update's outcome is stale: drop it. A load's outcome is
    // always delivered: it changed the worker's tensor (or says why the file was refused), and
    // the newer reply still comes after it.
    if (!this._waiting || request.load) deliver();
    if (this._waiting) this._pump();
    else this._handlers.onBusy?.(false);
  }

  _receive(msg) {
    deliverReply(this._calls, msg);
  }
}

/**
 * Routes one worker message to its pending call in `calls` (id -> {resolve, reject, onProgress}):
 * progress to onProgress, a result or an error ends the call. Messages of unknown ids (a call
 * cancelled meanwhile) are dropped. Shared with the widgets' runtime (web/widgets/runtime.mjs).
 */
export function deliverReply(calls, msg) {
  const call = calls.get(msg.id);
  if (!call) return;
  if (msg.type === 'progress') {
    call.onProgress?.(msg);
    return;
  }
  calls.delete(msg.id);
  if (msg.type === 'error') {
    const error = new Error(msg.message);
    error.name = msg.name;
    call.reject(error);
  } else {
    call.resolve(msg);
  }
}
