#!/usr/bin/env node
// Checks the page's budgets on the built site (dist/; builds nothing):
//   - transfer: the JS + WebAssembly the first view loads, gzip-compressed, at most 400 kB
//     (1 kB = 1000 bytes; zlib's default level, as vite reports sizes). Model and data files
//     (models/, fmnist/, examples/) are loaded on demand and are not counted, nor are HTML and CSS
//     (listed for information);
//   - time: first interactive view on localhost, from navigation to the results showing the
//     bundled example quantized (#results[data-state=idle]), median of several loads, under 1 s.
// Measured, not guessed from the module graph: the page is loaded in headless Chromium from the
// test server (scripts/serve.mjs) and every response to a request the page and its worker make
// before the first result is on screen is counted once per URL (a repeat would come from the
// cache), gzip-compressed here; what is fetched after (the other tabs' code, prefetched when idle)
// is listed, not counted. Served as a plain static host serves it (no COOP/COEP);
// --isolated sends COOP/COEP as `npm run serve` does (the page may then also load the threaded core).
//   node scripts/check_budgets.mjs [--runs 5] [--dir dist] [--isolated] [--json]
// Prints a table; exits 1 when a budget is exceeded.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

export const BUDGETS = Object.freeze({ transferGzipBytes: 400_000, firstViewMs: 1000 });
const ON_DEMAND = /\/(models|fmnist|examples)\//;  // assets outside the transfer budget
const SETTLE_MS = 500;  // time for the bodies in flight to arrive (and to list what comes after)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function kind(url) {
  const ext = path.extname(new URL(url).pathname);
  if (ext === '.js' || ext === '.mjs') return 'js';
  if (ext === '.wasm') return 'wasm';
  if (ext === '.css') return 'css';
  if (ext === '.html' || ext === '') return 'html';
  return ext.slice(1) || 'other';
}

/** One load of the page: {ms, responses: [{url, kind, bytes, gzipBytes, beforeReady}]}. */
async function loadOnce(context, url) {
  const page = await context.newPage();
  const pending = [];
  const onResponse = (response) => {
    const requested = response.request().__requestedAt ?? Date.now();
    pending.push(response.body().then((body) => ({
      url: response.url(), status: response.status(), kind: kind(response.url()), requested,
      bytes: body.length, gzipBytes: gzipSync(body).length,
    }), (e) => ({ url: response.url(), status: response.status(), kind: kind(response.url()), requested, error: e.message })));
  };
  const onRequest = (request) => { request.__requestedAt = Date.now(); };
  context.on('request', onRequest);
  context.on('response', onResponse);
  try {
    await page.goto(url);
    // self.__qpReady: set by the init script (see checkBudgets) the moment the page marks itself
    // idle with a result on screen (web/app/main.mjs); the other tabs' code loads after that.
    const handle = await page.waitForFunction(() => {
      const error = document.getElementById('error');
      if (error && !error.hidden) return { error: document.getElementById('error-text').textContent };
      return self.__qpReady ?? false;
    }, null, { timeout: 30000 });
    const ready = await handle.jsonValue();
    if (ready.error) throw new Error(`the page shows an error: ${ready.error}`);
    await page.waitForTimeout(SETTLE_MS);
    const responses = await Promise.all(pending);
    return { ms: ready.ms, responses: responses.map((r) => ({ ...r, beforeReady: r.requested <= ready.wall })) };
  } finally {
    context.off('request', onRequest);
    context.off('response', onResponse);
    await page.close();
  }
}

const kB = (bytes) => (bytes / 1000).toFixed(1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function checkBudgets({ dir = path.join(root, 'dist'), runs = 5, isolation = false } = {}) {
  if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir} is not built (no index.html): run \`npm run build\` first`);
  const server = await startServer({ dir, port: 0, prefix: '/', isolation });
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'qplay-budgets-'));
  // A first visit: no service worker (web/sw.js) answers from its cache, nor adds its precache
  // requests to the ones counted here (the warm-up load would otherwise install it).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 }, args: CHROMIUM_ARGS,
    serviceWorkers: 'block',
  });
  // The moment the first result is on screen, in the page's clock and the wall clock.
  await context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const results = document.getElementById('results');
      if (!results) return;
      const check = () => {
        if (!self.__qpReady && results.dataset.state === 'idle' && results.dataset.options)
          self.__qpReady = { ms: performance.now(), wall: Date.now() };
      };
      new MutationObserver(check).observe(results, { attributes: true, attributeFilter: ['data-state', 'data-options'] });
      check();
    });
  });
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    await loadOnce(context, url);  // warm-up: browser start-up is not the page's time
    const loads = [];
    for (let i = 0; i < runs; i++) loads.push(await loadOnce(context, url));
    // The files of the first measured load (every load fetches the same ones: no-store).
    const byUrl = new Map(loads[0].responses.map((r) => [r.url, r]));
    const all = [...byUrl.values()].filter((r) => !ON_DEMAND.test(new URL(r.url).pathname));
    const files = all.filter((r) => r.beforeReady);
    const failed = files.filter((r) => r.error || r.status >= 400);
    if (failed.length) throw new Error(`failed responses: ${failed.map((r) => `${r.url} ${r.status ?? r.error}`).join(', ')}`);
    const counted = files.filter((r) => r.kind === 'js' || r.kind === 'wasm');
    const transferGzipBytes = counted.reduce((s, r) => s + r.gzipBytes, 0);
    const times = loads.map((l) => l.ms);
    return {
      files: files.map((r) => ({ ...r, path: new URL(r.url).pathname, counted: counted.includes(r) })),
      onDemand: loads[0].responses.filter((r) => ON_DEMAND.test(new URL(r.url).pathname)).map((r) => new URL(r.url).pathname),
      afterReady: all.filter((r) => !r.beforeReady).map((r) => ({ path: new URL(r.url).pathname, gzipBytes: r.gzipBytes })),
      transferGzipBytes, times, firstViewMs: median(times), isolation,
    };
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

function report(r) {
  const rows = [...r.files].sort((a, b) => Number(b.counted) - Number(a.counted) || b.gzipBytes - a.gzipBytes);
  const width = Math.max(...rows.map((f) => f.path.length), 4);
  console.log(`${'file'.padEnd(width)}  kind   bytes (kB)  gzip (kB)  budget`);
  for (const f of rows) {
    console.log(`${f.path.padEnd(width)}  ${f.kind.padEnd(5)}  ${kB(f.bytes).padStart(10)}  ${kB(f.gzipBytes).padStart(9)}  ${f.counted ? 'counted' : ''}`);
  }
  if (r.onDemand.length) console.log(`on demand, not counted: ${r.onDemand.join(', ')}`);
  if (r.afterReady.length) {
    const total = r.afterReady.reduce((sum, f) => sum + f.gzipBytes, 0);
    console.log(`requested after the first view (idle prefetch), not counted: ${r.afterReady.length} files, ${kB(total)} kB gzip`);
  }
  console.log(`served ${r.isolation ? 'with' : 'without'} COOP/COEP (cross-origin isolation)`);
  const okSize = r.transferGzipBytes <= BUDGETS.transferGzipBytes;
  const okTime = r.firstViewMs < BUDGETS.firstViewMs;
  console.log(`\nJS + wasm, first view: ${kB(r.transferGzipBytes)} kB gzip (budget ${kB(BUDGETS.transferGzipBytes)} kB) ${okSize ? 'OK' : 'OVER'}`);
  console.log(`first interactive view: median ${r.firstViewMs.toFixed(0)} ms of ${r.times.length} loads ` +
    `[${r.times.map((t) => t.toFixed(0)).join(', ')}] (budget < ${BUDGETS.firstViewMs} ms) ${okTime ? 'OK' : 'OVER'}`);
  return okSize && okTime;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, dir: { type: 'string' },
    json: { type: 'boolean', default: false }, isolated: { type: 'boolean', default: false } } });
  try {
    const r = await checkBudgets({ runs: Math.max(1, Number(values.runs) || 5), dir: values.dir && path.resolve(values.dir),
      isolation: values.isolated });
    if (values.json) console.log(JSON.stringify(r, null, 2));
    process.exit(report(r) ? 0 : 1);
  } catch (e) {
    console.error(`check_budgets failed: ${e.message}`);
    process.exit(2);
  }
}
