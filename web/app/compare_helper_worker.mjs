// A second WebAssembly core for the Compare tab, started by the page's Worker (worker_compare.mjs):
// it holds a copy of the tensor and compares the schemes it is handed one at a time, so a
// comparison uses two cores. Protocol (token: the comparison the message belongs to):
//   → {type: 'hold', token, data: Float32Array, shape}   ← {type: 'held', token}
//   → {type: 'compare', token, index, options}           ← {type: 'row', token, index, row}
//   → {type: 'release'}
//   ← {type: 'failed', token, index?, message}            the caller redoes that scheme itself
import { loadQplay } from '../lib/qplay.mjs';

const ready = loadQplay();
let held = null;

self.onmessage = async ({ data: msg }) => {
  try {
    const qp = await ready;
    if (msg.type === 'hold') {
      held?.release();
      held = null;
      held = qp.holdTensor(msg.data, msg.shape);
      self.postMessage({ type: 'held', token: msg.token });
    } else if (msg.type === 'compare') {
      self.postMessage({ type: 'row', token: msg.token, index: msg.index, row: held.compare(msg.options) });
    } else if (msg.type === 'release') {
      held?.release();
      held = null;
    }
  } catch (e) {
    self.postMessage({ type: 'failed', token: msg.token, index: msg.index, message: String(e?.message ?? e) });
  }
};
