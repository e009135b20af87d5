// Starts the app's worker in the single-file page, in place of main.mjs's
// `new Worker(new URL('./worker.mjs', import.meta.url), {type: 'module'})` (build_single.mjs
// swaps the call): a classic worker from a blob: URL made of two blocks of the page, the bundled
// worker code and the network files it may fetch. Chromium allows blob: workers in a page opened
// from file:// (a module worker or a worker script file would be refused there).
export function startSingleFileWorker(options = {}) {
  const text = (id) => document.getElementById(id).textContent;
  const code = new Blob(['self.__qpAssets = ', text('qp-worker-assets'), ';\n', text('qp-worker-code')],
    { type: 'text/javascript' });
  const url = URL.createObjectURL(code);
  // The worker has its own copy; the URL is only needed until it has started loading.
  const worker = new Worker(url, { name: options.name });
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return worker;
}
