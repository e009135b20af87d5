// A page in headless Chromium with the JS API (web/lib/qplay.mjs, unbundled, straight from the
// source tree and web/gen/) loaded on the main thread as `window.qp`, for tests and benchmarks that
// call the API directly (the relaxed-SIMD kernel: tests/e2e/relaxed.test.mjs,
// scripts/bench_relaxed_browser.mjs). The page's own bundle (dist/) is driven by launchPage in
// browser.mjs. Served by a tiny server on 127.0.0.1 with COOP/COEP (cross-origin isolated) and an
// import map for the one bare import (fflate).
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, root } from './browser.mjs';

const MIME = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{"imports":{"fflate":"/node_modules/fflate/esm/browser.js"}}</script>
<script type="module">
import { loadQplay } from '/web/lib/qplay.mjs';
const relaxedKernels = new URLSearchParams(location.search).get('relaxed') ?? undefined;
window.qpReady = loadQplay({ relaxedKernels }).then((qp) => { window.qp = qp; return qp.capabilities(); },
  (e) => { window.qpError = String(e?.message ?? e); throw e; });
</script></head><body>qplay source page</body></html>`;

function startSourceServer() {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store' };
    if (rel === '/') {  // ?relaxed=u8|i7 restricts the relaxed kernel set (loadQplay's relaxedKernels)
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...isolation }).end(PAGE);
      return;
    }
    const file = path.join(root, rel);
    const inside = path.relative(root, file).split(path.sep).join('/');  // normalized: no '..' tricks
    const allowed = inside.startsWith('web/') || inside.startsWith('node_modules/fflate/');
    if (!allowed || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', ...isolation });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Opens the source page and waits for the API. Returns { page, capabilities, errors, close }:
 * errors collects page errors and console errors. relaxedKernels: 'u8' or 'i7' restricts the
 * relaxed-SIMD kernel set the page installs (default: the best one that passes its self-check).
 */
export async function launchSourcePage({ relaxedKernels } = {}) {
  if (!existsSync(path.join(root, 'web/gen/qp_wasm.mjs')) || !existsSync(path.join(root, 'web/gen/qp_relaxed.wasm')))
    throw new Error('web/gen/ is not built (qp_wasm.mjs, qp_relaxed.wasm): run `node scripts/build.mjs wasm` first');
  const server = await startSourceServer();
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'qplay-source-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
  });
  const errors = [];
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${server.address().port}/${relaxedKernels ? `?relaxed=${relaxedKernels}` : ''}`);
  const capabilities = await page.evaluate(() => window.qpReady);
  const close = async () => {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, capabilities, errors, close };
}
