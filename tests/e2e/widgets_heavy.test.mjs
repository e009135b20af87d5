// <qp-compare>, <qp-network> and <qp-playground> on a documentation page served from another
// origin than the bundle (two local servers), each embedded twice with one script tag. The numbers
// are checked against the JS API run here in Node on the same data: the comparison rows against
// qp.compareSchemes on the page's own synthetic tensor (web/app/tensors.mjs) and on a .npy file
// written here; the network rows against engines prepared here on the same test images. Also:
// a bad attribute, Cancel, keyboard use, qp-change, a network widget removed while the other keeps
// working, the app in an iframe with its state, phone width in light and dark, and no request to a
// third origin, no CSP violation, no console error.
// Needs dist/ (`node node_modules/vite/bin/vite.js build`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { BUNDLED, CALIBRATION_SAMPLES } from '../../web/lib/datasets.mjs';
import { STANDARD_MODES, usesGptq } from '../../web/lib/network_eval.mjs';
import { SYNTHETIC } from '../../web/app/tensors.mjs';
import { dist, launchPage, outDir, PREFIX, root, startPageServer } from './browser.mjs';

const NPY_SHAPE = [48, 96];
let qp, expected, env, docs, page, bundle, bundleOrigin;

/** A tensor for the .npy widget, made here (not by the code under test): a ramp of sines and steps. */
function npyTensor() {
  const n = NPY_SHAPE[0] * NPY_SHAPE[1];
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 0.05 + (((i * 7919) % 101) - 50) / 2000);
}

/** The rows `labels` of `rows`, copied, with the Pareto front of that subset (the core decides). */
function subset(rows, labels) {
  const picked = labels.map((label) => {
    const row = rows.find((r) => r.label === label);
    assert.ok(row, `Node's comparison has a row "${label}"`);
    return { ...row, pareto: undefined };
  });
  return qp.markParetoFront(picked);
}

/** Accuracy and size per mode, from engines prepared here (not through evaluateModes). */
function networkRows(model, modeNames, limit, test, train) {
  const bytes = new Uint8Array(readFileSync(path.join(root, 'web/public', BUNDLED.models[model])));
  const net = qp.loadNetwork(bytes, `${model}.safetensors`);
  const ranges = net.calibrate(train, { calibration: 'minmax', count: Math.min(CALIBRATION_SAMPLES, train.count) });
  const rows = STANDARD_MODES.filter((m) => modeNames.includes(m.mode)).map(({ label, ...options }) => {
    const hessians = usesGptq(options) ? net.inputHessians(train, { count: Math.min(CALIBRATION_SAMPLES, train.count) }) : null;
    const engine = net.prepare({ ...options, ranges: options.mode === 'static' ? ranges : null, hessians });
    const predicted = engine.predict(test, 0, limit);
    let correct = 0;
    for (let i = 0; i < limit; i++) correct += predicted[i] === test.labels[i];
    const row = { label, mode: options.mode, accuracy: correct / limit, correct, modelBytes: engine.info.modelBytes };
    engine.release();
    return row;
  });
  net.release();
  return rows;
}

before(async () => {
  if (!existsSync(path.join(dist, 'qp-widgets.js')))
    throw new Error('dist/qp-widgets.js is missing: build first (node node_modules/vite/bin/vite.js build)');
  mkdirSync(outDir, { recursive: true });
  qp = await loadQplay();

  // Expected numbers, in Node.
  const uniform = SYNTHETIC.uniform.make(3);  // what distribution="uniform" seed="3" size="4096" must be
  const labelsA = ['int8 affine per tensor (pytorch)', 'int4 sym per channel (axis 0) (pytorch)', 'Q8_0 (ggml, blocks of 32)', 'nf4 b64'];
  const all = [...qp.compareSchemes(uniform.data, uniform.shape), ...qp.compareSchemes(uniform.data, uniform.shape, [{ format: 'q5_1' }])];
  const npy = npyTensor();
  // zlib rather than datasets.mjs's DecompressionStream: seconds faster in Node, same bytes.
  const read = (p) => new Uint8Array(gunzipSync(readFileSync(path.join(root, 'web/public', p))));
  const testSet = qp.datasetFromIdx(read(BUNDLED.test.images), read(BUNDLED.test.labels));
  const trainSet = qp.datasetFromIdx(read(BUNDLED.train.images), read(BUNDLED.train.labels));
  expected = {
    compareA: subset(all, [...labelsA, 'Q5_1 (ggml, blocks of 32)']),
    compareB: qp.compareSchemes(npy, NPY_SHAPE),
    networkA: networkRows('mlp', ['float', 'static'], 200, testSet, trainSet),
    networkB: networkRows('cnn', ['float', 'weight-only'], 100, testSet, trainSet),
    networkAcnn: networkRows('cnn', ['float', 'static'], 200, testSet, trainSet),
  };

  // The bundle on one origin (launchPage: dist/ under a sub-path), the documentation page on
  // another (startPageServer). The host page's own policy admits the bundle's origin for scripts,
  // fetches and frames, and blob: workers (how a worker script from another origin starts).
  const template = readFileSync(path.join(root, 'tests/e2e/pages/widgets_heavy.html'), 'utf8');
  const npyBytes = qp.encodeNpy(npy, NPY_SHAPE);
  const csp = () => `default-src 'self'; script-src 'self' ${bundleOrigin} 'wasm-unsafe-eval'; worker-src 'self' blob:; ` +
    `connect-src 'self' ${bundleOrigin}; frame-src ${bundleOrigin}; style-src 'self'; img-src 'self' data: blob:`;
  docs = await startPageServer({
    '/docs/': () => ({ body: template.replaceAll('%BUNDLE%', bundle), headers: { 'Content-Security-Policy': csp() } }),
    '/docs/tensor.npy': () => ({ body: npyBytes, type: 'application/octet-stream' }),
    // A host whose policy refuses blob: Workers: the widgets' core runs on the page's main thread.
    '/docs/strict.html': () => ({
      body: '<!doctype html><title>strict</title><link rel="icon" href="data:,">' +
        `<script type="module" src="${bundle}qp-widgets.js"></script>` +
        '<qp-compare id="strict" distribution="uniform" seed="3" schemes="nf4 b64, Q8_0 (ggml, blocks of 32)"></qp-compare>',
      headers: { 'Content-Security-Policy': csp().replace("worker-src 'self' blob:", "worker-src 'self'") },
    }),
  });
  env = await launchPage({ viewport: { width: 1100, height: 900 }, allowedOrigins: [docs.origin] });
  bundleOrigin = env.origin;
  bundle = `${env.origin}${PREFIX}`;
  page = env.page;
  await env.context.addInitScript(() => {
    self.__changes = [];
    document.addEventListener('qp-change', (e) => self.__changes.push({ id: e.target.id, detail: e.detail }));
    // When each widget first became ready, in ms since navigation (reported by the last test).
    self.__readyAt = {};
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.dataset?.state === 'ready' && r.target.id) self.__readyAt[r.target.id] ??= Math.round(performance.now());
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await page.goto(`${docs.origin}/docs/`);
});

after(async () => {
  await env?.close();
  await new Promise((resolve) => (docs ? docs.server.close(resolve) : resolve()));
});

const waitState = (id, states, timeout = 30000) => page.waitForFunction(([id, states]) =>
  states.includes(document.getElementById(id)?.dataset.state), [id, states], { timeout });

async function waitReady(id, timeout) {
  await waitState(id, ['ready', 'error'], timeout);
  const state = await page.getAttribute(`#${id}`, 'data-state');
  const message = await page.locator(`#${id} .message`).textContent().catch(() => '');
  assert.equal(state, 'ready', `${id}: ${message}`);
}

const result = (id) => page.evaluate((id) => JSON.parse(JSON.stringify(document.getElementById(id).result)), id);

function sameRows(actual, wanted, what) {
  assert.deepEqual(actual.map((r) => r.label), wanted.map((r) => r.label), `${what}: labels in order`);
  for (const [i, w] of wanted.entries()) {
    const a = actual[i];
    assert.equal(a.error ?? null, w.error ?? null, `${what} ${w.label}: error`);
    assert.equal(a.bitsPerWeight, w.bitsPerWeight, `${what} ${w.label}: bits per weight`);
    // JSON carries ∞ SQNR as null: compare through the same conversion.
    assert.deepEqual(a.metrics, JSON.parse(JSON.stringify(w.metrics)), `${what} ${w.label}: metrics`);
    assert.equal(a.pareto, w.pareto, `${what} ${w.label}: Pareto flag`);
  }
}

test('two comparisons on another origin: rows equal qp.compareSchemes in Node, table and scatter show them', async () => {
  await waitReady('compare-a', 40000);
  await waitReady('compare-b', 40000);
  const a = await result('compare-a');
  assert.deepEqual(a.tensor.shape, [64, 64]);
  sameRows(a.rows, expected.compareA, 'uniform seed 3');
  const b = await result('compare-b');
  assert.equal(b.tensor.name, 'tensor.npy');
  assert.deepEqual(b.tensor.shape, NPY_SHAPE);
  sameRows(b.rows, expected.compareB, 'tensor.npy');

  // The table: one row per scheme with the exact values; the scatter: one point per scheme that ran.
  const cells = await page.locator('#compare-a td[data-col="sqnr"]').evaluateAll((tds) => tds.map((td) => td.dataset.value));
  assert.deepEqual(cells, expected.compareA.map((r) => String(r.metrics.sqnrDb)));
  const front = await page.locator('#compare-a tr.pareto').evaluateAll((trs) => trs.map((tr) => tr.dataset.label));
  assert.deepEqual(front, expected.compareA.filter((r) => r.pareto).map((r) => r.label));
  const points = JSON.parse(await page.locator('#compare-b .chart').getAttribute('data-points'));
  assert.equal(points.length, expected.compareB.filter((r) => !r.error).length);
  assert.match(await page.locator('#compare-b .chart').getAttribute('aria-label'), /MSE against bits per weight/);

  // Sorting by a header button (keyboard): SQNR ascending, then descending.
  await page.locator('#compare-a th button[data-sort-key="sqnr"]').focus();
  await page.keyboard.press('Enter');
  const ascending = await page.locator('#compare-a td[data-col="sqnr"]').evaluateAll((tds) => tds.map((td) => Number(td.dataset.value)));
  assert.deepEqual(ascending, [...ascending].sort((x, y) => x - y));
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#compare-a th[aria-sort]').getAttribute('aria-sort'), 'descending');

  // controls="metric" shows only that control; no controls attribute shows all four.
  assert.equal(await page.locator('#compare-b .controls label:visible').count(), 1);
  assert.equal(await page.locator('#compare-a .controls label:visible').count(), 4);
});

test('a bad attribute shows a message in the widget, not an error in the page', async () => {
  await waitState('compare-bad', ['error']);
  assert.match(await page.locator('#compare-bad .message').textContent(), /distribution="cauchy" is not one of normal, laplace, uniform, outliers/);
  // Fixed by the page: the widget recovers.
  await page.evaluate(() => document.getElementById('compare-bad').setAttribute('schemes', 'no such scheme'));
  await page.evaluate(() => document.getElementById('compare-bad').setAttribute('distribution', 'laplace'));
  await waitState('compare-bad', ['error']);
  assert.match(await page.locator('#compare-bad .message').textContent(), /unknown scheme "no such scheme"/);
  await page.evaluate(() => document.getElementById('compare-bad').removeAttribute('schemes'));
  await waitReady('compare-bad');
});

test('changing the metric with the keyboard fires qp-change and redraws without a new run', async () => {
  const before = await result('compare-a');
  await page.locator('#compare-a [data-control="metric"]').focus();
  await page.keyboard.press('ArrowDown');  // SQNR → MSE (a focused <select> changes with the arrow keys)
  await page.waitForFunction(() => self.__changes.some((c) => c.id === 'compare-a'));
  const change = await page.evaluate(() => self.__changes.find((c) => c.id === 'compare-a').detail);
  assert.equal(change.metric, 'mse');
  assert.equal(change.distribution, 'uniform');
  assert.equal(await page.getAttribute('#compare-a', 'metric'), 'mse');
  assert.match(await page.locator('#compare-a .chart').getAttribute('aria-label'), /MSE/);
  assert.equal(await page.getAttribute('#compare-a', 'data-state'), 'ready');
  sameRows((await result('compare-a')).rows, before.rows, 'after the metric change');
});

test('Cancel stops a long comparison between schemes', async () => {
  await page.evaluate(() => {
    const big = Object.assign(document.createElement('qp-compare'), { id: 'compare-big' });
    big.setAttribute('distribution', 'normal');
    big.setAttribute('size', String(1 << 20));
    document.body.append(big);
  });
  await page.locator('#compare-big tbody tr').first().waitFor({ timeout: 20000 });
  await page.locator('#compare-big button.cancel').click();
  await waitReady('compare-big');
  const r = await result('compare-big');
  assert.equal(r.cancelled, true);
  const [, done, total] = /Cancelled after (\d+) of (\d+) schemes/.exec(await page.locator('#compare-big .status').textContent());
  assert.equal(Number(done), r.rows.length);
  assert.ok(r.rows.length >= 1 && r.rows.length < Number(total), `${r.rows.length} of ${total} rows before the cancel took effect`);
  await page.evaluate(() => document.getElementById('compare-big').remove());
});

function sameNetwork(actual, wanted, what) {
  assert.deepEqual(actual.map((r) => r.label), wanted.map((r) => r.label), `${what}: modes`);
  for (const [i, w] of wanted.entries()) {
    assert.equal(actual[i].accuracy, w.accuracy, `${what} ${w.label}: accuracy`);
    assert.equal(actual[i].correct, w.correct, `${what} ${w.label}: correct`);
    assert.equal(actual[i].modelBytes, w.modelBytes, `${what} ${w.label}: size`);
    // Measured (a number); a page that is not cross-origin isolated has a 100 µs clock, and the
    // core's block timing can read 0 for a µs-fast forward when its probe was preempted.
    assert.ok(Number.isFinite(actual[i].latencyUs) && actual[i].latencyUs >= 0, `${what} ${w.label}: a latency was measured`);
  }
  const float = wanted.find((r) => r.mode === 'float');
  for (const [i, w] of wanted.entries()) assert.ok(Math.abs(actual[i].deltaPp - 100 * (w.accuracy - float.accuracy)) < 1e-9);
}

test('two networks side by side: each equals engines prepared in Node on the same images', async () => {
  await page.waitForFunction(() => ['network-a', 'network-b'].every((id) => document.getElementById(id).result), null, { timeout: 40000 });
  await waitReady('network-a');
  await waitReady('network-b');
  const a = await result('network-a'), b = await result('network-b');
  assert.equal(a.count, 200);
  assert.equal(b.count, 100);
  sameNetwork(a.rows, expected.networkA, 'mlp');
  sameNetwork(b.rows, expected.networkB, 'cnn');
  const shown = await page.locator('#network-a td[data-col="accuracy"]').evaluateAll((tds) => tds.map((td) => Number(td.dataset.value)));
  assert.deepEqual(shown, expected.networkA.map((r) => r.accuracy));
  // controls="run": the Run button only.
  assert.equal(await page.locator('#network-b .controls label:visible').count(), 0);
  assert.ok(await page.locator('#network-b button.primary').isVisible());
});

test('a network widget removed from the page releases its network; the other runs again from the keyboard', async () => {
  await page.evaluate(() => document.getElementById('network-b').remove());
  const first = await result('network-a');
  await page.evaluate(() => { document.getElementById('network-a').result = null; });
  await page.locator('#network-a button.primary').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('network-a').result, null, { timeout: 30000 });
  await waitReady('network-a');
  const again = await result('network-a');
  sameNetwork(again.rows, expected.networkA, 'mlp, second run');
  assert.deepEqual(again.rows.map((r) => r.accuracy), first.rows.map((r) => r.accuracy));

  // The reader switches the model with the keyboard: qp-change, then (autorun) the CNN's rows.
  await page.locator('#network-a .control-model select').focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => self.__changes.some((c) => c.id === 'network-a'));
  const change = await page.evaluate(() => self.__changes.find((c) => c.id === 'network-a').detail);
  assert.deepEqual({ model: change.model, limit: change.limit, autorun: change.autorun }, { model: 'cnn', limit: 200, autorun: true });
  await page.waitForFunction(() => document.getElementById('network-a').result?.model === 'cnn', null, { timeout: 30000 });
  await waitReady('network-a');
  sameNetwork((await result('network-a')).rows, expected.networkAcnn, 'cnn in the first widget');
});

test('the whole app in two iframes, with the state in the hash', async () => {
  for (const id of ['playground-a', 'playground-b']) {
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    await waitReady(id, 30000);
  }
  const frameA = page.frames().find((f) => f.url().startsWith(`${bundle}index.html#tab=compare`));
  const frameB = page.frames().find((f) => f.url().startsWith(`${bundle}index.html#tab=network`));
  assert.ok(frameA && frameB, `iframes: ${page.frames().map((f) => f.url()).join(', ')}`);
  await frameA.waitForSelector('[data-testid="tab-compare"]', { timeout: 20000 });
  await frameB.waitForSelector('[data-testid="tab-network"]', { timeout: 20000 });
  // The app reads its hash once web/app/url_state.mjs exists (issue #7); before that it only loads.
  if (existsSync(path.join(root, 'web/app/url_state.mjs'))) {
    await frameA.waitForSelector('[data-testid="tab-compare"][aria-selected="true"]', { timeout: 10000 });
    await frameB.waitForSelector('[data-testid="tab-network"][aria-selected="true"]', { timeout: 10000 });
  }
  // A new state on the element: only the hash changes, so the app stays loaded and hears hashchange.
  await frameA.evaluate(() => { self.__sameDocument = true; });
  await page.evaluate(() => document.getElementById('playground-a').setAttribute('state', 'tab=kernels'));
  await page.waitForFunction(() => document.getElementById('playground-a').result?.state === 'tab=kernels');
  assert.equal(await page.getAttribute('#playground-a', 'data-state'), 'ready');
  await page.waitForFunction(() => document.querySelector('#playground-a').shadowRoot.querySelector('iframe').src.endsWith('#tab=kernels'));
  assert.equal(await frameA.evaluate(() => self.__sameDocument), true, 'the app was not reloaded');
  if (existsSync(path.join(root, 'web/app/url_state.mjs')))
    await frameA.waitForSelector('[data-testid="tab-kernels"][aria-selected="true"]', { timeout: 10000 });
  await page.evaluate(() => document.getElementById('playground-a').setAttribute('state', 'tab=compare'));
  assert.equal(await page.locator('#playground-a iframe').getAttribute('title'), 'Quantization Playground (the whole app)');
  const heightB = await page.locator('#playground-b iframe').evaluate((f) => f.getBoundingClientRect().height);
  assert.ok(Math.abs(heightB - 480) <= 2, `height="480" gives ${heightB} px`);
  assert.equal(await page.locator('#playground-b a').isVisible(), false, 'controls="none" hides the link');
  assert.equal(await page.locator('#playground-a a').getAttribute('href'), `${bundle}index.html#tab=compare`);
  // A bad height is a message, not an exception.
  await page.evaluate(() => document.getElementById('playground-b').setAttribute('height', 'tall'));
  await waitState('playground-b', ['error']);
  assert.match(await page.locator('#playground-b .message').textContent(), /height="tall"/);
  await page.evaluate(() => document.getElementById('playground-b').setAttribute('height', '480'));
  await waitReady('playground-b');

  // height="auto": the frame takes the app's own height (reported by the app, another origin).
  const appFrame = frameB;
  await page.evaluate(() => document.getElementById('playground-b').setAttribute('height', 'auto'));
  const appHeight = () => appFrame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  const frameHeight = () => page.locator('#playground-b iframe').evaluate((f) => f.clientHeight);
  await page.waitForFunction(() => document.querySelector('#playground-b').shadowRoot.querySelector('iframe').clientHeight !== 480);
  assert.ok(Math.abs((await frameHeight()) - (await appHeight())) <= 2, `frame ${await frameHeight()} vs app ${await appHeight()}`);
  assert.ok((await frameHeight()) > 480, 'the Network tab is taller than the fixed height was');
  // The app grows (its Tensor tab): the frame follows.
  await appFrame.click('[data-testid="tab-tensor"]');
  await appFrame.waitForFunction(() => document.getElementById('results').dataset.state === 'idle');
  for (let i = 0; i < 50 && Math.abs((await frameHeight()) - (await appHeight())) > 2; i++) await page.waitForTimeout(100);
  assert.ok(Math.abs((await frameHeight()) - (await appHeight())) <= 2, `after the tab change: frame ${await frameHeight()} vs app ${await appHeight()}`);
  await page.evaluate(() => document.getElementById('playground-b').setAttribute('height', '480'));
  assert.equal(await frameHeight(), 480);
});

test('embed.html renders <qp-compare> from its URL parameters (the iframe form)', async () => {
  const params = new URLSearchParams({ widget: 'qp-compare', distribution: 'uniform', seed: '3', size: '4096',
    schemes: 'Q8_0 (ggml, blocks of 32), nf4 b64', controls: 'none' });
  const embed = await env.context.newPage();
  try {
    await embed.goto(`${bundle}embed.html?${params}`);
    await embed.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('qp-compare')?.dataset.state), null,
      { timeout: 30000 });
    const rows = await embed.evaluate(() => JSON.parse(JSON.stringify(document.querySelector('qp-compare').result.rows)));
    sameRows(rows, subset(expected.compareA, ['Q8_0 (ggml, blocks of 32)', 'nf4 b64']), 'embed.html');
    assert.equal(await embed.locator('qp-compare .controls').isVisible(), false, 'controls=none');
  } finally {
    await embed.close();
    await page.bringToFront();
  }
});

test('under a policy without blob: Workers the comparison runs on the main thread, same rows', async () => {
  const strict = await env.context.newPage();
  try {
    await strict.goto(`${docs.origin}/docs/strict.html`);
    await strict.waitForFunction(() => ['ready', 'error'].includes(document.getElementById('strict')?.dataset.state), null,
      { timeout: 30000 });
    const rows = await strict.evaluate(() => JSON.parse(JSON.stringify(document.getElementById('strict').result.rows)));
    sameRows(rows, subset(expected.compareA, ['nf4 b64', 'Q8_0 (ggml, blocks of 32)']), 'main thread');
    assert.equal(await strict.evaluate(async (url) => (await import(url)).widgetCore().mode, `${bundle}qp-widgets.js`), 'main-thread');
  } finally {
    await strict.close();
    await page.bringToFront();
    // The browser reports the refused Worker on the console: expected on this page, and only there.
    env.problems.console = env.problems.console.filter((m) => !/Creating a worker from 'blob:.*violates .*"worker-src 'self'"/.test(m));
  }
});

test('phone width, light and dark: nothing wider than the screen; screenshots', async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.evaluate(() => window.scrollTo(0, 0));
  const widest = await page.evaluate(() => Math.max(document.documentElement.scrollWidth,
    ...[...document.querySelectorAll('qp-compare, qp-network, qp-playground')].map((e) => e.getBoundingClientRect().right)));
  assert.ok(widest <= 375, `content is ${widest} px wide at 375 px`);
  await page.screenshot({ path: path.join(outDir, 'widgets_heavy_phone_light.png'), fullPage: true });
  const light = await page.locator('#compare-a .box').evaluate((e) => getComputedStyle(e).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.locator('#compare-a .box').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(dark, light, 'the widgets follow prefers-color-scheme');
  await page.screenshot({ path: path.join(outDir, 'widgets_heavy_phone_dark.png'), fullPage: true });
  for (const id of ['compare-a', 'network-a', 'playground-a'])
    await page.locator(`#${id}`).screenshot({ path: path.join(outDir, `widgets_heavy_phone_dark_${id}.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1100, height: 900 });
  for (const id of ['compare-a', 'network-a', 'playground-a'])
    await page.locator(`#${id}`).screenshot({ path: path.join(outDir, `widgets_heavy_${id}.png`) });
});

test('no request to a third origin, no CSP violation, no console or page error', async (t) => {
  t.diagnostic(`first ready (ms after navigation): ${JSON.stringify(await page.evaluate(() => self.__readyAt))}`);
  const { problems } = env;
  assert.deepEqual(problems.foreign, []);
  assert.deepEqual(await page.evaluate(() => self.__csp), []);
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.console, []);
});
