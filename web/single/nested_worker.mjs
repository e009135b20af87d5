// Starts the Compare tab's second core in the single-file page, in place of worker_compare.mjs's
// `new Worker(new URL('./compare_helper_worker.mjs', import.meta.url), {type: 'module', name})`
// (build_single.mjs swaps the call): a classic worker made from this worker's own code (the
// function worker_factory.mjs wrapped it in), which runs the helper when it sees its name
// (worker_entry.mjs). The blob: URL is made here: Chromium refuses a nested worker from the
// page's blob: URL when the page was opened from file:// (opaque origin).
export function startNestedSingleFileWorker(options = {}) {
  const code = new Blob([String(self.__qpWorkerMain), '\n__qpWorkerMain();\n'], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(code), { name: options.name });
}
