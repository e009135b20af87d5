// The Compare tab's comparison on two cores: the page's Worker compares schemes on its held tensor
// while a second Worker (compare_helper_worker.mjs, started on first use and kept) compares others
// on a copy. Schemes are handed out one at a time from one queue, so the faster core takes more
// and a slow scheme (Q4_K, TCQ, k-means) does not hold the other core up. The rows are the same
// as on one core (each scheme runs whole on one core, in the same WebAssembly build); only the
// order in which they finish changes, and each row carries its index.
//
// Falls back to one core when the second cannot start (no nested Workers, one hardware thread),
// breaks (its scheme is redone here), or when the tensor is too large to copy comfortably.

/** Above this many values (128 MB of float32) the second copy is not worth its memory. */
const MAX_COPY_VALUES = 1 << 25;

let second = null;  // {worker, broken, listener}
let tokens = 0;

function secondCore() {
  if (second) return second.broken ? null : second;
  if (typeof Worker === 'undefined' || (self.navigator?.hardwareConcurrency ?? 1) < 2) return null;
  try {
    const worker = new Worker(new URL('./compare_helper_worker.mjs', import.meta.url),
      { type: 'module', name: 'qplay-compare' });
    const core = { worker, broken: false, listener: null };
    worker.addEventListener('message', (e) => core.listener?.(e.data));
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      core.broken = true;
      core.listener?.({ type: 'failed', token: null, message: e.message || 'the second core stopped' });
    });
    second = core;
    return core;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Compares options[i] on `tensor` ({data, shape}) with `held` (this core's held tensor) and the
 * second core. onRow(index, row, rows) after each scheme, in completion order; pause() is awaited
 * between schemes and while waiting, and throws to cancel. Resolves with the rows in order.
 */
export async function compareOnTwoCores(held, tensor, options, { onRow, pause }) {
  const n = options.length;
  const rows = new Array(n);
  let next = 0, completed = 0;
  const redo = [];  // schemes the second core gave back
  const take = () => (redo.length ? redo.pop() : next < n ? next++ : -1);
  const finish = (i, row) => {
    rows[i] = row;
    completed++;
    onRow(i, row, rows);
  };

  const core = n > 1 && tensor.data.length <= MAX_COPY_VALUES ? secondCore() : null;
  const token = ++tokens;
  let active = Boolean(core), outstanding = -1, wake = null;
  const feed = () => {
    const i = active ? take() : -1;
    if (i < 0) return;
    outstanding = i;
    core.worker.postMessage({ type: 'compare', token, index: i, options: options[i] });
  };
  if (core) {
    core.listener = (msg) => {
      if (msg.token !== token && msg.token !== null) return;  // a late reply to an older comparison
      if (msg.type === 'held') {
        feed();
      } else if (msg.type === 'row' && msg.index === outstanding) {
        outstanding = -1;
        finish(msg.index, msg.row);
        feed();
      } else if (msg.type === 'failed') {
        active = false;
        if (outstanding >= 0) redo.push(outstanding);
        outstanding = -1;
      }
      wake?.();
    };
    // Structured clone: the second core gets its own copy; this core keeps the tensor.
    core.worker.postMessage({ type: 'hold', token, data: tensor.data, shape: tensor.shape });
  }

  try {
    for (;;) {
      const i = take();
      if (i >= 0) {
        finish(i, held.compare(options[i]));
        await pause();
        continue;
      }
      if (completed === n) break;
      if (!active && outstanding < 0 && !redo.length) break;  // nothing left anywhere (cannot happen)
      // The rest is with the second core: wait for it (or for a scheme it gives back), waking now
      // and then so a cancel is noticed.
      await Promise.race([new Promise((resolve) => { wake = resolve; }), sleep(50)]);
      wake = null;
      await pause();
    }
    return rows;
  } finally {
    if (core) {
      core.listener = null;
      core.worker.postMessage({ type: 'release' });
    }
  }
}
