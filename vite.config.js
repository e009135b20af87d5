// Builds the static site in dist/ from web/. Relative base: dist/ works from any sub-path of
// any static server. The WebAssembly modules come from web/gen/ (written by the CMake wasm build).
// Pages: the app (index.html), the widget iframe page (embed.html), the article (docs/index.html,
// when present); and the widgets' bundle as dist/qp-widgets.js, a fixed name that documentation
// pages link to. Every other chunk goes to assets/ with a hash (web/widgets/runtime.mjs relies on
// this layout to find the bundle's root). Also dist/sw.js, the service worker for offline use, with
// this build's file list (scripts/vite_offline.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { offlinePlugin } from './scripts/vite_offline.mjs';

const web = (p) => fileURLToPath(new URL(`./web/${p}`, import.meta.url));
const WIDGETS_ENTRY = 'qp-widgets';

const input = { main: web('index.html'), embed: web('embed.html'), [WIDGETS_ENTRY]: web('widgets/qp-widgets.mjs') };
if (existsSync(web('docs/index.html'))) input.docs = web('docs/index.html');

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: 'public',
  plugins: [offlinePlugin({ workerSource: web('sw.js') })],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,  // keep .wasm and data files as files, never data: URLs (CSP, size)
    modulePreload: false,
    rollupOptions: {
      input,
      // The widgets' entry keeps its exports (the runtime) and its fixed name.
      preserveEntrySignatures: 'allow-extension',
      output: {
        entryFileNames: (chunk) => (chunk.name === WIDGETS_ENTRY ? `${WIDGETS_ENTRY}.js` : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es' },
});
