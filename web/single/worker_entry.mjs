// Entry of the single-file page's worker (bundled into one classic script that the page starts
// from a blob: URL): the fetch stand-in first, then the unchanged worker. The same code runs the
// Compare tab's second core, which worker_compare.mjs starts from this worker's own blob: URL
// (nested_worker.mjs) under the name 'qplay-compare'.
import './worker_fetch.mjs';

if (self.name === 'qplay-compare') import('../app/compare_helper_worker.mjs');
else import('../app/worker.mjs');
