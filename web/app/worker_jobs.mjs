// Cancellable long jobs of the Worker (whole-model analysis, exports, scheme comparisons). A job
// yields to the event loop now and then, so a 'cancel' message is handled while it runs and the
// job stops at its next step. We chose this over terminating the Worker: a restart would reload
// and recompile the WebAssembly core and lose the tensors it holds, while yielding costs nothing
// measurable. The price: one step (one tensor, one scheme) is not interruptible halfway.

const jobs = new Map();  // request id -> {cancelled}

export function cancelJob(id) {
  const job = jobs.get(id);
  if (job) job.cancelled = true;
  return Boolean(job);
}

/**
 * Run `body(tick)` as job `id`. tick(done, total, fields) posts a progress message
 * ({id, type: 'progress', done, total, ...fields}; at most ~20 a second unless `always`), yields
 * when ~40 ms of work went by (or at every call with `yieldEvery`), and throws an error named
 * 'Cancelled' once the page asked to cancel or `stale()` says the job lost its subject.
 */
export async function runCancellable(id, post, body, { stale = () => null, always = false, yieldEvery = false } = {}) {
  const job = { cancelled: false };
  jobs.set(id, job);
  let lastYield = performance.now(), lastPost = -Infinity;
  const tick = async (done, total, fields = {}) => {
    if (always || done === 0 || done === total || performance.now() - lastPost > 50) {
      post({ id, type: 'progress', done, total, ...fields });
      lastPost = performance.now();
    }
    if (yieldEvery || performance.now() - lastYield > 40) {
      // setTimeout, not a microtask: the 'cancel' message is a task and must get its turn.
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
    const why = job.cancelled ? 'cancelled' : stale();
    if (why) {
      const e = new Error(why);
      e.name = 'Cancelled';
      throw e;
    }
  };
  try {
    return await body(tick);
  } finally {
    jobs.delete(id);
  }
}
