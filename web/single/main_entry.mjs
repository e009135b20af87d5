// Entry of the single-file page's main thread (scripts/build_single.mjs bundles it into one
// classic inline script): the fetch stand-in first, then the unchanged app. Imports run in order.
import './page_fetch.mjs';
import '../app/main.mjs';
