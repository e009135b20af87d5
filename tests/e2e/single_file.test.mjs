// The single-file build (dist-single/quantization-playground.html) opened from file:// in headless
// Chromium, as a user opens a downloaded file: the bundled example is quantized by the inlined
// core in a blob: worker, its numbers equal the JS API's (computed here in Node on the same
// tensor), a file opened with the file input is read and quantized, the Compare and Network tabs
// work from the inlined data, and nothing is requested except file:, data: and blob: URLs (no
// server, no other origin), with no CSP violation and no console error.
// Needs `node scripts/build.mjs` (dist/ and dist-single/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { sourceFromPath } from '../../web/lib/node_sources.mjs';
import { EXAMPLE } from '../../web/app/tensors.mjs';
import { CHROMIUM, CHROMIUM_ARGS, dist, root } from './browser.mjs';

const SINGLE = path.join(root, 'dist-single/quantization-playground.html');
const DEFAULTS = { bits: 8, scheme: 'affine', signed: true, axis: null, mode: 'pytorch' };

let context, page, qp, example, work;
const requests = [];
const problems = { console: [], pageErrors: [] };

before(async () => {
  if (!existsSync(SINGLE)) throw new Error('dist-single/ is not built: run `node scripts/build.mjs` first');
  qp = await loadQplay();
  // The example as the full site serves it: the single file must carry the same bytes.
  example = qp.readNpy(readFileSync(path.join(dist, EXAMPLE.file)));
  work = mkdtempSync(path.join(os.tmpdir(), 'qplay-single-'));
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 }, args: CHROMIUM_ARGS,
  });
  context.on('request', (r) => requests.push(r.url()));
  const onConsole = (where) => (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning' && /Content.Security.Policy/i.test(msg.text()))
      problems.console.push(`${where}: ${msg.text()}`);
  };
  context.on('console', onConsole('page'));
  await context.addInitScript(() => {
    self.__csp = [];
    self.addEventListener('securitypolicyviolation', (e) => self.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  await page.goto(pathToFileURL(SINGLE).href);
});

after(async () => {
  await context?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const value = (testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');
const errorText = async () => (await page.textContent('#error-text')).replace(/\s+/g, ' ').trim();

/** Wait until the page is idle showing `source` with options containing `want`; fail on a shown error. */
async function waitForResult(want, source, timeout = 30000) {
  await page.waitForFunction(([want, source]) => {
    if (!document.getElementById('error').hidden) return true;
    const el = document.getElementById('results');
    if (el.dataset.state !== 'idle' || !el.dataset.options || el.dataset.source !== source) return false;
    const got = JSON.parse(el.dataset.options);
    return Object.entries(want).every(([k, v]) => got[k] === v);
  }, [want, source], { timeout });
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
}

async function assertMatchesApi(tensor, options) {
  const r = qp.quantize(tensor.data, tensor.shape, options);
  const what = JSON.stringify(options);
  assert.equal(await value('metric-sqnr'), String(r.metrics.sqnrDb), `SQNR for ${what}`);
  assert.equal(await value('metric-mse'), String(r.metrics.mse), `MSE for ${what}`);
  assert.equal(await value('param-scale'), String(r.scales[0]), `scale for ${what}`);
  assert.equal(await value('param-zero-point'), String(r.zeroPoints[0]), `zero point for ${what}`);
}

test('from file:// the example is quantized by the inlined SIMD core, equal to the JS API', async () => {
  await waitForResult(DEFAULTS, 'example', 60000);
  assert.equal(await value('stat-shape'), JSON.stringify([EXAMPLE.rows, EXAMPLE.cols]));
  assert.equal(await value('run-build'), 'simd');
  await assertMatchesApi(example, DEFAULTS);
});

test('changing the bits requantizes: 3 bits equals the JS API', async () => {
  await page.focus('#bits');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  const options = { ...DEFAULTS, bits: 3 };
  await waitForResult(options, 'example');
  await assertMatchesApi(example, options);
});

test('a .npy opened with the file input is read and quantized in the page', async () => {
  // A tensor unlike the example (other shape, skewed range), written here with the API.
  const shape = [24, 40];
  const data = Float32Array.from({ length: 24 * 40 }, (_, i) => Math.sin(i * 0.37) * 0.5 + (i % 7) * 0.05 + 0.1);
  const file = path.join(work, 'user_tensor.npy');
  writeFileSync(file, qp.encodeNpy(data, shape));
  await page.setInputFiles('[data-testid="file-input"]', file);
  await page.waitForFunction(() => !document.getElementById('error').hidden ||
    document.getElementById('results').dataset.source === 'file' &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
  assert.equal(await value('stat-shape'), JSON.stringify(shape));
  assert.equal(await value('model-tensors'), '1');
  await assertMatchesApi({ data, shape }, { ...DEFAULTS, bits: 3 });
});

test('several files open as one model in the Model tab, listed as the JS API lists them', async () => {
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']
    .map((f) => path.join(root, 'tests/fixtures/safetensors', f));
  const expected = qp.openModel(shards.map(sourceFromPath)).tensors.length;
  await page.setInputFiles('[data-testid="file-input"]', shards);
  await page.waitForFunction(() => !document.getElementById('error').hidden ||
    document.querySelector('[data-testid="tab-model"]').getAttribute('aria-selected') === 'true', null, { timeout: 20000 });
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
  assert.ok(expected > 1);
  assert.equal(await value('model-tensors'), String(expected));
  // Back to the user's .npy (the Compare test below runs on the tensor of the Tensor tab).
  await page.click('[data-testid="tab-tensor"]');
});

test('Compare runs the default set on two blob: workers', async () => {
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-defaults"]');
  const checked = await page.$$eval('#compare-list input:checked', (xs) => xs.length);
  assert.ok(checked > 0);
  await page.click('[data-testid="compare-run"]');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('panel-compare').dataset.state),
    null, { timeout: 60000 });
  assert.equal(await page.getAttribute('#panel-compare', 'data-state'), 'done', await page.textContent('[data-testid="compare-status"]'));
  assert.equal(Number(await page.getAttribute('#panel-compare', 'data-rows')), checked);
  // The second core: a nested worker made from the worker's own code (a worker from the page's
  // blob: URL is refused in a file:// page); without it the comparison runs on one core.
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  await cdp.detach();
  const cores = await page.evaluate(() => navigator.hardwareConcurrency ?? 1);
  assert.ok(cores < 2 || targetInfos.some((t) => t.type === 'worker' && t.title === 'qplay-compare'),
    `the Compare tab's second core runs: ${targetInfos.map((t) => `${t.type} ${t.title}`).join(', ')}`);
});

test('the Network tab opens the inlined CNN with 1000 test images; the MLP is named but not offered', async () => {
  await page.click('[data-testid="tab-network"]');
  await page.waitForFunction(() => ['ready', 'empty', 'failed'].includes(document.getElementById('panel-network').dataset.state),
    null, { timeout: 30000 });
  assert.equal(await page.getAttribute('#panel-network', 'data-state'), 'ready', await page.textContent('[data-testid="net-error"]'));
  assert.equal(await value('net-data'), '1000');
  assert.match(await page.textContent('[data-testid="net-name"]'), /\S/);
  assert.equal(await page.isDisabled('#net-model option[value="mlp"]'), true);
});

test('nothing was requested but the file itself, data: and blob: URLs; no CSP violation, no error', async () => {
  const other = requests.filter((url) => !/^(file|data|blob):/.test(url));
  assert.deepEqual(other, [], 'requests other than file:, data:, blob:');
  assert.ok(requests.some((url) => url.startsWith('blob:')), 'the worker was started from a blob: URL');
  assert.deepEqual(await page.evaluate(() => self.__csp), [], 'CSP violations');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.console, [], 'console errors');
});
