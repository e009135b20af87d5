// Entry of the single-file page's worker (bundled into one classic script that the page starts
// from a blob: URL): the fetch stand-in first, then the unchanged worker. Imports run in order.
import './worker_fetch.mjs';
import '../app/worker.mjs';
