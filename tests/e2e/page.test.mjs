// The page in headless Chromium, served from dist/ under a sub-path (relative URLs), checked
// against the JS API computed in Node on the same bytes: every number the page shows for a
// setting must equal the API's exactly. Also: opening user files (good, malformed, NaN), privacy
// (no request to any other origin), and a clean console (no errors, no CSP violations).
// Needs dist/ (`node scripts/build.mjs`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { EXAMPLE } from '../../web/app/tensors.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist');
const outDir = path.join(root, 'test-results');
const PREFIX = '/sub/app/';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server, context, page, origin, userDataDir, qp, example;
const problems = { console: [], pageErrors: [], csp: [], foreign: [] };

before(async () => {
  if (!existsSync(path.join(dist, 'index.html')) || !existsSync(path.join(dist, EXAMPLE.file)))
    throw new Error(`dist/ is not built (no dist/index.html or dist/${EXAMPLE.file}): run \`node scripts/build.mjs\` first`);
  qp = await loadQplay();
  example = qp.readNpy(readFileSync(path.join(dist, EXAMPLE.file)));

  server = await startServer({ dir: dist, port: 0, prefix: PREFIX });
  origin = `http://127.0.0.1:${server.address().port}`;
  userDataDir = mkdtempSync(path.join(os.tmpdir(), 'qplay-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Every request, the worker's included, must go to the test server; others are recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    problems.foreign.push(url);
    return route.abort();
  });
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !problems.foreign.includes(url)) problems.foreign.push(url);
  });
  const onConsole = (where) => (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning' && /Content.Security.Policy/i.test(msg.text()))
      problems.console.push(`${where}: ${msg.text()}`);
  };
  context.on('console', onConsole('page'));
  context.on('weberror', (e) => problems.pageErrors.push(String(e.error())));
  await context.addInitScript(() => {
    self.__csp = [];
    self.addEventListener('securitypolicyviolation', (e) => self.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  await page.goto(`${origin}${PREFIX}`);
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------------

const errorText = async () => (await page.textContent('#error-text')).replace(/\s+/g, ' ').trim();

/**
 * Wait until the page is idle and shows a result matching `want`: {options?: a subset of the
 * options used, source?, channel?, shape?}. Fails at once, with the page's message, if an error shows
 * up instead; with `error: true` it waits for an error instead.
 */
async function waitForPage(want, { error = false } = {}) {
  await page.waitForFunction(([want, error]) => {
    const shown = !document.getElementById('error').hidden;
    const el = document.getElementById('results');
    if (error) return shown && el.dataset.state === 'idle';
    if (shown) return true;
    if (el.dataset.state !== 'idle' || !el.dataset.options) return false;
    if (want.source !== undefined && el.dataset.source !== want.source) return false;
    if (want.channel !== undefined && el.dataset.channel !== String(want.channel)) return false;
    if (want.shape !== undefined &&
        document.querySelector('[data-testid="stat-shape"]').dataset.value !== JSON.stringify(want.shape)) return false;
    const got = JSON.parse(el.dataset.options);
    return Object.entries(want.options ?? {}).every(([k, v]) => got[k] === v);
  }, [want, error], { timeout: 10000 });
  if (!error && await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
}

const waitForResult = (options, source) => waitForPage({ options, source });

const value = (testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');

/** The page's numbers for the current setting against qp.quantize() on the same tensor. */
async function assertMatchesApi(tensor, options, channel = 0) {
  const r = qp.quantize(tensor.data, tensor.shape, options);
  const what = JSON.stringify(options);
  assert.equal(await value('metric-sqnr'), String(r.metrics.sqnrDb), `SQNR for ${what}`);
  assert.equal(await value('metric-mse'), String(r.metrics.mse), `MSE for ${what}`);
  assert.equal(await value('metric-max-abs-error'), String(r.metrics.maxAbsError), `max abs error for ${what}`);
  assert.equal(await value('metric-cosine'), String(r.metrics.cosine), `cosine for ${what}`);
  assert.equal(await value('param-scale'), String(r.scales[channel]), `scale for ${what}`);
  assert.equal(await value('param-zero-point'), String(r.zeroPoints[channel]), `zero point for ${what}`);
  assert.equal(await value('param-qmin'), String(r.qmin));
  assert.equal(await value('param-qmax'), String(r.qmax));
  return r;
}

const DEFAULTS = { bits: 8, scheme: 'affine', signed: true, axis: null, mode: 'pytorch' };

// ---- tests (run in order, on one page) -------------------------------------------------------

test('the bundled example is loaded and quantized on first load', async () => {
  await waitForResult(DEFAULTS, 'example');
  assert.equal(await value('stat-shape'), JSON.stringify([EXAMPLE.rows, EXAMPLE.cols]));
  assert.equal(await value('stat-dtype'), '<f4');
  assert.match(await value('run-build'), /^(simd|scalar)$/);
  await assertMatchesApi(example, DEFAULTS);
});

test('4 bits (keyboard on the slider): the page equals the JS API exactly', async () => {
  await page.focus('#bits');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');  // 8 -> 4, four quick updates
  const options = { ...DEFAULTS, bits: 4 };
  await waitForResult(options, 'example');
  const r = await assertMatchesApi(example, options);
  assert.ok(Number.isFinite(r.metrics.sqnrDb) && r.metrics.sqnrDb > 0);
  assert.equal(await page.textContent('[data-testid="bits-value"]'), '4');
});

test('symmetric per channel (axis 0), channel 5: the page equals the JS API exactly', async () => {
  await page.check('input[name="scheme"][value="symmetric"]');
  await page.check('input[name="granularity"][value="channel"]');
  const options = { ...DEFAULTS, bits: 4, scheme: 'symmetric', axis: 0 };
  await waitForResult(options, 'example');
  assert.equal(await page.locator('#axis option').count(), 2);  // limited to the rank
  await page.fill('#channel', '5');
  await waitForPage({ options, channel: 5 });
  const r = await assertMatchesApi(example, options, 5);
  let lo = Infinity, hi = -Infinity;
  for (const s of r.scales) { lo = Math.min(lo, s); hi = Math.max(hi, s); }
  assert.equal(await value('param-scale-min'), String(lo));
  assert.equal(await value('param-scale-max'), String(hi));
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, 'page.png'), fullPage: true });
});

test('rapid changes are coalesced: the last setting wins, stale results are never shown', async () => {
  await page.evaluate(() => {
    self.__rendered = [];
    new MutationObserver(() => self.__rendered.push(JSON.parse(document.getElementById('results').dataset.options).bits))
      .observe(document.getElementById('results'), { attributes: true, attributeFilter: ['data-options'] });
    const bits = document.getElementById('bits');
    for (const b of [8, 2, 7, 3, 6]) {  // one task: the worker sees at most the first and the last
      bits.value = String(b);
      bits.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  const options = { ...DEFAULTS, bits: 6, scheme: 'symmetric', axis: 0 };
  await waitForPage({ options, channel: 5 });
  const rendered = await page.evaluate(() => self.__rendered);
  assert.deepEqual(rendered, [6], 'only the newest result is rendered');
  await assertMatchesApi(example, options, 5);
});

test('a load asked for while busy keeps its tensor and takes the newest settings', async () => {
  await page.evaluate(() => {
    self.__rendered = [];
    const bits = document.getElementById('bits'), source = document.getElementById('source');
    bits.value = '3';  // sent at once
    bits.dispatchEvent(new Event('input', { bubbles: true }));
    source.value = 'synthetic:uniform';  // waits
    source.dispatchEvent(new Event('change', { bubbles: true }));
    bits.value = '6';  // merges into the waiting load
    bits.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await waitForPage({ source: 'synthetic:uniform', options: { bits: 6 } });
  assert.deepEqual(await page.evaluate(() => self.__rendered), [6]);
  assert.equal(await value('stat-shape'), '[64,64]');
  assert.equal(await page.inputValue('#source'), 'synthetic:uniform');
});

test('the 1M-value synthetic tensor is generated and quantized in the worker', async (t) => {
  await page.selectOption('#source', 'synthetic:normal');
  await waitForPage({ source: 'synthetic:normal' });
  assert.equal(await value('stat-shape'), '[1024,1024]');
  assert.equal(await value('stat-count'), '1048576');
  const ms = Number(await value('run-ms'));
  assert.ok(ms > 0 && ms < 5000, `quantize took ${ms} ms`);
  t.diagnostic(`page: quantize() of 1,048,576 values took ${ms.toFixed(2)} ms (${await value('run-build')} build, ` +
    `${await page.textContent('[data-testid="status"]')})`);
});

test('opening a user .npy (drag and drop, then the file input) shows its shape and its numbers', async () => {
  // Drop: a DataTransfer holding a File, dispatched like the browser does on a drop.
  const dropped = Array.from(qp.encodeNpy(new Float32Array(14).map((_, i) => i - 6.5), [2, 7]));
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.npy'));
    for (const type of ['dragenter', 'dragover', 'drop'])
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dropped);
  await waitForPage({ source: 'file', shape: [2, 7], options: { axis: 0 } });
  assert.equal(await value('stat-shape'), '[2,7]');
  assert.equal(await page.textContent('[data-testid="stat-name"]'), 'dropped.npy');
  assert.equal(await page.isVisible('#drop-overlay'), false);

  const data = new Float32Array(3 * 4 * 5).map((_, i) => Math.sin(i) * (1 + (i % 4)));
  const tensor = { data, shape: [3, 4, 5] };
  await page.setInputFiles('[data-testid="file-input"]', {
    name: 'small.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(qp.encodeNpy(data, tensor.shape)),
  });
  await waitForPage({ source: 'file', shape: [3, 4, 5], options: { bits: 6, scheme: 'symmetric', axis: 0 } });
  assert.equal(await value('stat-shape'), '[3,4,5]');
  assert.equal(await page.textContent('[data-testid="stat-shape"]'), '3 × 4 × 5');
  assert.equal(await page.locator('#axis option').count(), 3);
  assert.equal(await page.inputValue('#source'), 'file');
  // The channel slider follows the new tensor: channel 5 does not exist on axis 0 (size 3).
  const channel = Number(await page.getAttribute('#results', 'data-channel'));
  assert.ok(channel < 3);
  await assertMatchesApi(tensor, { ...DEFAULTS, bits: 6, scheme: 'symmetric', axis: 0 }, channel);
});

test('a malformed file and a NaN tensor show the core\'s message; the previous tensor stays', async () => {
  const cases = [
    { name: 'broken.npy', bytes: new TextEncoder().encode('this is not a numpy file') },
    { name: 'nan.npy', bytes: qp.encodeNpy(new Float32Array([1, Number.NaN, 2]), [3]) },
  ];
  for (const { name, bytes } of cases) {
    const expected = (() => {
      try {
        const t = qp.readNpy(bytes);
        qp.quantize(t.data, t.shape, {});
      } catch (e) {
        return e.message;
      }
      return assert.fail(`${name} should be refused by the API`);
    })();
    await page.setInputFiles('[data-testid="file-input"]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await waitForPage({}, { error: true });
    const text = await errorText();
    assert.ok(text.includes(expected), `error area says "${text}", expected the core's "${expected}"`);
    assert.ok(text.includes(name));
    assert.equal(await page.getAttribute('[data-testid="error"]', 'role'), 'alert');
    assert.equal(await value('stat-shape'), '[3,4,5]', 'the previous tensor is still shown');
    assert.equal(await page.inputValue('#source'), 'file');
    await page.click('#error-close');
  }
  // Still usable: a change re-quantizes the previous tensor.
  await page.check('input[name="mode"][value="onnx"]');
  await waitForResult({ mode: 'onnx', axis: 0 }, 'file');
  assert.equal(await value('stat-shape'), '[3,4,5]');
});

test('a phone-sized viewport lays the page out in one column', async () => {
  await page.selectOption('#source', 'example');
  await waitForResult({ mode: 'onnx' }, 'example');
  await page.check('#log-y');  // log-scaled counts: a different chart configuration
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);  // let the chart follow its container
  assert.equal(await page.isVisible('[data-testid="error"]'), false, 'no message after resizing');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await page.screenshot({ path: path.join(outDir, 'page-phone.png'), fullPage: true });

  // The settings start folded on a phone, so the tabs and the first result are on the first screen.
  const toggle = page.locator('[data-testid="settings-toggle"]');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.isVisible('#source'), false, 'the folded settings hide their fields');
  const tabsTop = await page.$eval('#view-tabs', (e) => e.getBoundingClientRect().top);
  assert.ok(tabsTop < 844 / 2, `the tabs start ${tabsTop} px down the first screen`);
  await toggle.focus();
  await page.keyboard.press('Enter');  // a real button: the keyboard unfolds it
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.isVisible('#source'), true);
  await page.screenshot({ path: path.join(outDir, 'page-phone-settings.png') });
  await toggle.click();
  assert.equal(await page.isVisible('#source'), false);
  // Back to a wide window: a sidebar, never folded, no button.
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal(await page.isVisible('#source'), true);
  assert.equal(await toggle.isVisible(), false);
});

test('no console errors, page errors, CSP violations or requests to other origins', async () => {
  problems.csp = await page.evaluate(() => self.__csp);
  assert.deepEqual(problems.foreign, [], 'requests to other origins');
  assert.deepEqual(problems.csp, [], 'CSP violations');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.console, [], 'console errors');
});
