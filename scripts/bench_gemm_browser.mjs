#!/usr/bin/env node
// GEMM benchmark of issue #5 in headless Chromium (`npm run bench:browser`): serves the repository
// on 127.0.0.1 (scripts/serve.mjs: COOP/COEP, CSP, no caching), opens
// scripts/bench/browser_bench.html in /usr/bin/chromium via playwright-core, echoes its progress,
// then prints and saves the same tables as `npm run bench`. Offline: any request to another origin
// is refused and reported. Options as scripts/bench_gemm.mjs (--quick, --shapes, --note, --no-save).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CONTENT_SECURITY_POLICY, startServer } from './serve.mjs';
import { parseBenchArgs, machineInfo, saveResults, repoRoot } from './bench/bench_node.mjs';
import { formatMarkdown } from './bench/bench_table.mjs';
import { shapeName } from './bench/gemm_shapes.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 20 * 60 * 1000;  // a full run takes a few minutes; a hang must still end

let opts;
try {
  opts = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

// The site's CSP, plus the hash of the page's one inline script (its import map, which CSP treats
// as an inline script): nothing else inline may run.
function benchPagePolicy() {
  const html = readFileSync(path.join(repoRoot, 'scripts/bench/browser_bench.html'), 'utf8');
  const map = html.match(/<script type="importmap">([\s\S]*?)<\/script>/);
  if (!map) throw new Error('scripts/bench/browser_bench.html has no import map');
  const hash = createHash('sha256').update(map[1], 'utf8').digest('base64');
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
}

const server = await startServer({ dir: repoRoot, port: 0, csp: benchPagePolicy() });
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let exitCode = 1;
try {
  const context = await browser.newContext();
  const foreign = [];
  const wasmFiles = new Set();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  context.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasmFiles.add(new URL(r.url()).pathname.slice(1));
  });
  const page = await context.newPage();
  page.on('console', (msg) => console.error(`[page] ${msg.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  const query = new URLSearchParams({ shapes: opts.shapes.map(shapeName).join(','), weights: String(opts.weightBits),
    ...(opts.quick ? { quick: '1' } : {}) });
  await page.goto(`${origin}/scripts/bench/browser_bench.html?${query}`);
  await page.waitForFunction(() => window.__benchDone === true, null, { timeout: TIMEOUT_MS, polling: 500 });
  const error = await page.evaluate(() => window.__benchError ?? null);
  if (error) throw new Error(`the bench page failed: ${error}`);
  const result = await page.evaluate(() => window.__benchResult);
  // The page cannot see the CPU; the browser runs on this machine, so Node fills it in.
  // The user agent says 156.0.0.0 (reduced UA); playwright knows the full version.
  Object.assign(result.meta, machineInfo(), { runtimeVersion: browser.version(), note: opts.note });
  // Which ORT build the page really fetched (ours, web/gen/*.wasm, shows in meta.ours).
  result.meta.ort.wasmFile = [...wasmFiles].filter((f) => f.includes('/onnxruntime-web/')).join(', ') || 'no ORT .wasm request seen';
  if (foreign.length) result.errors.push(`requests to other origins were refused: ${foreign.join(', ')}`);
  console.log(formatMarkdown(result));
  if (opts.save) for (const f of saveResults(result)) console.log(`saved ${path.relative(repoRoot, f)}`);
  exitCode = result.errors.length || Object.values(result.checks).some((c) => c.failed.length) ? 1 : 0;
} catch (e) {
  console.error(e?.stack ?? e);
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}
process.exit(exitCode);
