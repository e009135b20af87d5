// Starts the app's worker in the single-file page, in place of start_worker.mjs's
// `new Worker(new URL('./worker.mjs', import.meta.url), {type: 'module'})` (build_single.mjs
// swaps the call): a classic worker from a blob: URL made of two blocks of the page, the bundled
// worker code and the network files it may fetch. Chromium allows blob: workers in a page opened
// from file:// (a module worker or a worker script file would be refused there).
export function startSingleFileWorker(options = {}) {
  const text = (id) => document.getElementById(id).textContent;
  // The code as one function, so that the worker can start the Compare tab's second core from its
  // source text (nested_worker.mjs).
  const code = new Blob(['self.__qpAssets = ', text('qp-worker-assets'), ';\nfunction __qpWorkerMain() {\n',
    text('qp-worker-code'), '\n}\n__qpWorkerMain();\n'], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(code), { name: options.name });
}
