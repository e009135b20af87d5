// Builds the static site in dist/ from web/. Relative base: dist/ works from any sub-path of
// any static server. The WebAssembly modules come from web/gen/ (written by the CMake wasm build).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,  // keep .wasm and data files as files, never data: URLs (CSP, size)
  },
  worker: { format: 'es' },
});
