// The widgets' core host: loads the WebAssembly core once and answers each request by its `type`
// with the handler modules (docs/widgets.md). Runs as a module Worker (started by runtime.mjs);
// when the host page refuses Workers, runtime.mjs imports this module on the main thread and calls
// dispatch() directly, so the protocol is the same in both places.
//
//   → {id, type, ...fields}      ← progress {id, type: 'progress', ...}, then
//                                  {id, type: 'result', ...handler's fields} | {id, type: 'error', name, message}
//   → {id, type: 'hello'}        ← {build, kernelTier}
//   → {id, type: 'cancel', job}  ← {cancelled: bool}; the job ends with an error named 'Cancelled'
import { loadQplay } from '../lib/qplay.mjs';
import { cancelJob } from '../app/worker_jobs.mjs';
import { handlers as basic } from './handlers_basic.mjs';
import { handlers as compare } from './handlers_compare.mjs';
import { handlers as network } from './handlers_network.mjs';

const handlers = { ...basic, ...compare, ...network };
let core = null;

/** Answer one request; `post` sends each message back (progress, then the reply). */
export async function dispatch(msg, post) {
  try {
    if (msg.type === 'cancel') {
      post({ id: msg.id, type: 'result', cancelled: cancelJob(msg.job) });
      return;
    }
    core ??= loadQplay();
    const qp = await core;
    if (msg.type === 'hello') {
      post({ id: msg.id, type: 'result', build: qp.build, kernelTier: qp.kernelTier });
      return;
    }
    const handler = Object.hasOwn(handlers, msg.type) ? handlers[msg.type] : null;
    if (!handler) throw new Error(`unknown request type '${msg.type}'`);
    const fields = await handler(qp, msg, post);
    post({ ...fields, id: msg.id, type: 'result' });
  } catch (e) {
    post({ id: msg.id, type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
}

// In a Worker: serve the page. Several requests may run at once (each awaits its own work), so a
// 'cancel' reaches a running job between its steps.
if (typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope) {
  self.onmessage = (event) => dispatch(event.data, (reply) => self.postMessage(reply));
}
