#!/usr/bin/env node
// Network benchmark of issue #6 in headless Chromium (`npm run bench:network:browser`): the Node side
// calibrates each model with our core and writes the ONNX peers (scripts/bench/network_onnx.py)
// into build/bench-network/, serves the repository on 127.0.0.1 (scripts/serve.mjs), opens
// scripts/bench/network_browser.html in /usr/bin/chromium via playwright-core, echoes its progress,
// then prints and saves the same table as scripts/bench_network.mjs (network-chromium-<date>).
// Options as scripts/bench_network.mjs (--onnx and --onnx-dir excepted). Offline: requests to
// other origins are refused and reported.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CONTENT_SECURITY_POLICY, startServer } from './serve.mjs';
import { machineInfo, repoRoot } from './bench/bench_node.mjs';
import { makeOnnxModels } from './bench/network_models.mjs';
import { formatMarkdown, modelSource, parseArgs, saveNetworkResults } from './bench_network.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 30 * 60 * 1000;

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
  if (opts.onnx) throw new Error('--onnx is for the Node runner only');
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

// The models, their ranges (our core in Node: the page checks it finds the same) and ONNX files.
const dirRel = 'build/bench-network';
const dir = path.join(repoRoot, dirRel);
mkdirSync(dir, { recursive: true });
const { loadQplay } = await import('../web/lib/qplay.mjs');
const { BUNDLED, CALIBRATION_SAMPLES, idxDataset } = await import('../web/lib/datasets.mjs');
const qp = await loadQplay();
const pub = (rel) => new Uint8Array(readFileSync(path.join(repoRoot, 'web/public', rel)));
const calib = await idxDataset(qp, pub(BUNDLED.train.images), pub(BUNDLED.train.labels));
const entries = [];
for (const name of opts.models) {
  const source = modelSource(qp, name, dir, calib);
  const file = path.join(dir, `${source.name}.safetensors`);
  if (path.resolve(source.path) !== file) copyFileSync(source.path, file);
  const net = qp.loadNetwork(source.bytes, `${source.name}.safetensors`);
  const ranges = net.calibrate(calib, { count: Math.min(CALIBRATION_SAMPLES, calib.count) });
  net.release();
  console.error(`${source.name}: writing the ONNX models (scripts/bench/network_onnx.py)`);
  makeOnnxModels({ repoRoot, modelFile: file, ranges, outDir: dir, stem: source.name, forms: ['float', ...opts.forms] });
  entries.push(`${source.name}${source.standIn ? ':standin' : ''}`);
}

function pagePolicy() {
  const html = readFileSync(path.join(repoRoot, 'scripts/bench/network_browser.html'), 'utf8');
  const map = html.match(/<script type="importmap">([\s\S]*?)<\/script>/);
  const hash = createHash('sha256').update(map[1], 'utf8').digest('base64');
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
}

const server = await startServer({ dir: repoRoot, port: 0, csp: pagePolicy() });
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
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (msg) => console.error(`[page] ${msg.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  const query = new URLSearchParams({ models: entries.join(','), dir: dirRel, repeats: String(opts.repeats),
    latencyRuns: String(opts.latencyRuns), forms: opts.forms.join(','), ...(Number.isFinite(opts.limit) ? { limit: String(opts.limit) } : {}) });
  const loadBefore = os.loadavg();
  const date = new Date().toISOString();
  await page.goto(`${origin}/scripts/bench/network_browser.html?${query}`);
  await page.waitForFunction(() => window.__benchDone === true, null, { timeout: TIMEOUT_MS, polling: 500 });
  const error = await page.evaluate(() => window.__benchError ?? null);
  if (error) throw new Error(`the bench page failed: ${error}`);
  const result = await page.evaluate(() => window.__benchResult);
  const { loadAverage, ...machine } = machineInfo();
  Object.assign(result.meta, machine, { runtimeVersion: browser.version(), date, loadBefore, loadAfter: os.loadavg(),
    quick: opts.quick, note: opts.note });
  if (foreign.length) { result.ok = false; result.meta.note = `${result.meta.note ?? ''} requests to other origins were refused: ${foreign.join(', ')}`; }
  console.log(opts.json ? JSON.stringify(result, null, 1) : formatMarkdown(result));
  if (opts.save) for (const f of saveNetworkResults(result)) console.log(`saved ${path.relative(repoRoot, f)}`);
  exitCode = result.ok ? 0 : 1;
} catch (e) {
  console.error(e?.stack ?? e);
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}
process.exit(exitCode);
