// The single-file page, main thread: fetch() of the bundled example answered from the HTML.
import { installAssetFetch } from './asset_fetch.mjs';

installAssetFetch(window, JSON.parse(document.getElementById('qp-page-assets').textContent));
