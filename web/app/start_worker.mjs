// The page's Worker, started by the first module the entry point evaluates: the Worker's own
// download, the core's wasm fetch and its compilation then overlap the evaluation of the rest of the
// page's modules (charts, controls, views) instead of waiting for it (first view ≈ 0.1 s sooner).
// Messages cannot be lost: listeners are attached later in the same task, before any event runs.
export const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module', name: 'qplay' });
