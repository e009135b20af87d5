// The embeddable widgets (docs/widgets.md) on a documentation page served from a second local port
// (another origin), loaded with one script tag pointing at the first server's dist/qp-widgets.js,
// and in the iframe form (dist/embed.html). The expected numbers are derived here by hand or with
// float32 arithmetic in JS (Math.fround, DataView), never by the code under test. Also: attribute
// changes re-render, instances do not interfere, qp-change, controls, keyboard, 375-px width, the
// main-thread fallback under a CSP that refuses blob: Workers, no request to a third origin, no
// console errors. Needs dist/ (`node node_modules/vite/bin/vite.js build`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PREFIX, launchPage, outDir, root, startPageServer } from './browser.mjs';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { makeWidgetTensor } from '../../web/widgets/widget_tensor.mjs';

let env, docs, app, widgetsUrl, page;

// A float32 ramp −1, −0.996, …, 3 (1001 values) as a .npy file, served by the documentation page.
const RAMP = Float32Array.from({ length: 1001 }, (_, i) => Math.fround(-1 + i * 0.004));
function npyBytes(data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${data.length},), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';  // total a multiple of 64
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return Buffer.from(out);
}

before(async () => {
  const template = readFileSync(path.join(root, 'tests/e2e/pages/widgets_doc.html'), 'utf8');
  const fill = (html) => html.replaceAll('{{WIDGETS}}', widgetsUrl).replaceAll('{{APP}}', app);
  docs = await startPageServer({
    '/docs/quantization.html': () => ({ body: fill(template) }),
    '/docs/ramp.npy': () => ({ body: npyBytes(RAMP), type: 'application/octet-stream' }),
    // A host whose CSP admits the bundle but not blob: Workers: the core must run on the main thread.
    '/docs/strict.html': () => ({
      body: fill('<!doctype html><title>strict</title><link rel="icon" href="data:,">' +
        '<script type="module" src="{{WIDGETS}}"></script><qp-value id="strict"></qp-value>'),
      headers: { 'Content-Security-Policy': `default-src 'self'; script-src 'self' ${new URL(app).origin} 'wasm-unsafe-eval'; ` +
        `connect-src 'self' ${new URL(app).origin}; worker-src 'self'; style-src 'self'; img-src data:` },
    }),
  });
  env = await launchPage({ allowedOrigins: [docs.origin] });
  app = `${env.origin}${PREFIX}`;
  widgetsUrl = `${app}qp-widgets.js`;
  page = env.page;
  await page.goto(`${docs.origin}/docs/quantization.html`);
});

after(async () => {
  await env?.close();
  await new Promise((resolve) => (docs ? docs.server.close(resolve) : resolve()));
});

const settle = (id, state = 'ready') =>
  page.waitForFunction(([id, state]) => document.getElementById(id)?.dataset.state === state, [id, state], { timeout: 20_000 });
const resultOf = (id) => page.evaluate((id) => document.getElementById(id).result, id);
const shadowText = (id, selector) => page.evaluate(([id, s]) => document.getElementById(id).shadowRoot.querySelector(s)?.textContent, [id, selector]);

test('qp-value reproduces the classic examples, on another origin, in a Worker', async () => {
  await settle('sym');
  const sym = await resultOf('sym');
  // Symmetric int8 on [−10, 10]: s = 10 / 127.5 (max|x| over half the 255 steps), z = 0;
  // 3.6 / s = 45.9 → 46; x̂ = 46·s = 3.6078…
  const s = Math.fround(10 / 127.5);
  assert.equal(sym.code, 46);
  assert.equal(sym.zeroPoint, 0);
  assert.equal(sym.scale, s);
  assert.ok(Math.abs(sym.dequantized - 46 * 10 / 127.5) < 1e-6, `x̂ = ${sym.dequantized}`);
  assert.equal(await shadowText('sym', '[data-step="clamp"]'), '46');

  await settle('affine');
  const affine = await resultOf('affine');
  // Affine uint8 on [0, 6]: s = 6/255, z = 0 − round(0/s) = 0; x·fl(1/s) = 3·42.5 = 127.5, a tie → 128
  // (even); x̂ = 128·6/255 = 3.01176…
  assert.equal(affine.code, 128);
  assert.equal(affine.zeroPoint, 0);
  assert.equal(affine.scale, Math.fround(6 / 255));
  assert.ok(Math.abs(affine.dequantized - 128 * 6 / 255) < 1e-6);
  assert.equal(affine.dequantized.toFixed(4), '3.0118');
  assert.match(await shadowText('affine', '[data-step="x̂"]'), /^3\.01176/);

  await settle('four');
  // 4-bit symmetric: codes −8…7, s = 10/7.5; 3.6/s = 2.7 → 3; x̂ = 3·s = 4.
  const four = await resultOf('four');
  assert.deepEqual([four.qmin, four.qmax, four.code], [-8, 7, 3]);
  assert.ok(Math.abs(four.dequantized - 4) < 1e-6);

  const mode = await page.evaluate(async (url) => (await import(url)).widgetCore().mode, widgetsUrl);
  assert.equal(mode, 'worker');
  // Bundled assets resolve against the bundle, not the page, and can be fetched from the page.
  const asset = await page.evaluate(async (url) => {
    const href = (await import(url)).assetUrl('models/cnn.safetensors');
    const response = await fetch(href);
    return { href, ok: response.ok, bytes: (await response.arrayBuffer()).byteLength };
  }, widgetsUrl);
  assert.equal(asset.href, `${app}models/cnn.safetensors`);
  assert.ok(asset.ok && asset.bytes > 1000, JSON.stringify(asset));
});

test('the shared core: a request cancelled by its signal rejects with AbortError, the next one works', async () => {
  const out = await page.evaluate(async (url) => {
    const core = (await import(url)).widgetCore();
    const abort = new AbortController();
    const pending = core.call('tensorView', { distribution: 'normal', seed: 7, size: 1 << 20, format: 'int', bits: 8,
      scheme: 'affine', signed: true, mode: 'pytorch', granularity: 'tensor', groupSize: 32, calibration: 'minmax' },
    { signal: abort.signal });
    abort.abort();
    const name = await pending.then(() => 'resolved', (e) => e.name);
    const next = await core.call('quantizeValue', { value: 3.6, min: -10, max: 10, bits: 8, scheme: 'symmetric', signed: true, mode: 'pytorch' });
    const unknown = await core.call('noSuchRequest').then(() => 'resolved', (e) => e.message);
    return { name, code: next.code, unknown };
  }, widgetsUrl);
  assert.deepEqual(out, { name: 'AbortError', code: 46, unknown: "unknown request type 'noSuchRequest'" });
});

test('bad attributes give a clear message, not an exception', async () => {
  await settle('bad', 'error');
  assert.match(await shadowText('bad', '.error'), /min \(5\) must be less than max \(1\)/);
  await page.evaluate(() => document.getElementById('bad').setAttribute('max', '9'));
  await settle('bad');
  assert.equal(await shadowText('bad', '.error'), '');
});

test('attribute changes re-render and two instances do not interfere', async () => {
  // Both changed in the same task: each widget must end with its own answer.
  await page.evaluate(() => {
    document.getElementById('sym').setAttribute('value', '-3.6');
    document.getElementById('affine').setAttribute('value', '6');
  });
  await page.waitForFunction(() => document.getElementById('sym').result?.code === -46 && document.getElementById('affine').result?.code === 255);
  // −3.6/s = −45.9 → −46; 6·42.5 = 255 = qmax.
  assert.equal((await resultOf('sym')).code, -46);
  assert.equal((await resultOf('affine')).code, 255);
  assert.equal((await resultOf('four')).code, 3);
  // Outside the range: clamped to qmax.
  await page.evaluate(() => document.getElementById('sym').setAttribute('value', '50'));
  await page.waitForFunction(() => document.getElementById('sym').result?.input === 50);
  assert.equal((await resultOf('sym')).code, 127);
});

test('qp-float-bits: the stored value and the bit fields of each format', async () => {
  const bitsOf = async (id) => { await settle(id); return resultOf(id); };
  const f32 = await bitsOf('f32');
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, 0.1);
  assert.equal(f32.stored, Math.fround(0.1));
  assert.equal(f32.bits, view.getUint32(0).toString(2).padStart(32, '0'));

  // fp16: 0.1 = 1.6·2^−4 → exponent field −4 + 15 = 11 = 01011; mantissa 0.6·1024 = 614.4 → 614 =
  // 1001100110; value (1 + 614/1024)·2^−4 = 1638/16384 = 0.0999755859375.
  const f16 = await bitsOf('f16');
  assert.equal(f16.stored, 1638 / 16384);
  assert.equal(f16.stored, 0.0999755859375);
  assert.equal(f16.bits, '0' + '01011' + '1001100110');
  assert.match(await shadowText('f16', '[data-row="bits"]'), /^0 01011 1001100110$/);
  assert.equal(await shadowText('f16', '[data-row="stored"]'), '0.0999755859375');

  // bf16: float32 0.1 is 0x3DCCCCCD; its low half 0xCCCD is above the midpoint 0x8000, so the top
  // half rounds up to 0x3DCD.
  view.setUint32(0, 0x3dcd0000);
  const bf16 = await bitsOf('bf16');
  assert.equal(bf16.stored, view.getFloat32(0));
  assert.equal(bf16.bits, (0x3dcd).toString(2).padStart(16, '0'));

  // FP8 E4M3: 1.6·2^−4 → exponent −4 + 7 = 3 (0011), mantissa 0.6·8 = 4.8 → 5 (101): 13/128.
  const e4m3 = await bitsOf('e4m3');
  assert.equal(e4m3.stored, 13 / 128);
  assert.equal(e4m3.bits, '0' + '0011' + '101');

  // FP8 E5M2: 1000 = 1.953125·2^9, mantissa 0.953125·4 = 3.81 → 4: carries into 2^10 = 1024,
  // exponent 10 + 15 = 25 (11001), mantissa 00.
  const e5m2 = await bitsOf('e5m2');
  assert.equal(e5m2.stored, 1024);
  assert.equal(e5m2.bits, '0' + '11001' + '00');
});

test('keyboard: a bit flips with Enter, keeps a visible focus, and fires qp-change', async () => {
  await page.evaluate(() => {
    self.__changes = [];
    document.addEventListener('qp-change', (e) => self.__changes.push({ id: e.target.id, detail: e.detail }));
  });
  await page.locator('#f16').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById('f16').shadowRoot.querySelector('input').focus());
  await page.keyboard.press('Tab');    // value → format
  await page.keyboard.press('Tab');    // format → the sign bit
  await page.keyboard.press('Enter');  // flips it
  await page.waitForFunction(() => document.getElementById('f16').result?.stored < 0);
  const r = await resultOf('f16');
  assert.equal(r.stored, -0.0999755859375);
  assert.equal(r.bits, '1' + '01011' + '1001100110');
  const changes = await page.evaluate(() => self.__changes);
  assert.deepEqual(changes.map((c) => [c.id, c.detail.value, c.detail.format]), [['f16', '-0.0999755859375', 'fp16']]);
  const outline = await page.evaluate(() => {
    const active = document.getElementById('f16').shadowRoot.activeElement;
    return active && { cls: active.className, style: getComputedStyle(active).outlineStyle };
  });
  assert.deepEqual(outline, { cls: 'bit', style: 'solid' });
});

test('qp-tensor: histogram, grid and clipping range of a fetched .npy and of synthetic tensors', async () => {
  await settle('file');
  const file = await resultOf('file');
  // int8 affine (signed) per tensor, PyTorch min-max on [−1, 3]: s = 4/255,
  // z = −128 − round(−1/s) = −128 − round(−63.75) = −64, clip = [(−128 + 64)·s, (127 + 64)·s].
  const s = 4 / 255;
  assert.equal(file.tensor.count, 1001);
  assert.equal(file.zeroPoint, -64);
  assert.ok(Math.abs(file.scale - s) < 1e-8);
  assert.ok(Math.abs(file.clip[0] - -64 * s) < 1e-6 && Math.abs(file.clip[1] - 191 * s) < 1e-6, `clip ${file.clip}`);
  assert.equal(file.grid.length, 256);
  const total = (h) => h.counts.reduce((a, b) => a + b, 0) + h.below + h.above;
  assert.equal(total(file.histogram), 1001);
  // A uniform ramp quantized with 256 levels: the error is at most s/2.
  assert.ok(file.metrics.maxAbsError <= s / 2 + 1e-6, `max error ${file.metrics.maxAbsError}`);

  await settle('normal');
  const normal = await resultOf('normal');
  assert.equal(total(normal.histogram), 4096);
  assert.deepEqual(normal.tensor.shape, [64, 64]);
  assert.equal(normal.grid.length, 256);
  // Min-max: the grid spans the data's range, up to the zero point's rounding (less than one step).
  const { min, max } = normal.tensor.stats;
  assert.ok(Math.abs(normal.clip[0] - min) < normal.scale && Math.abs(normal.clip[1] - max) < normal.scale,
    `clip ${normal.clip} vs [${min}, ${max}], step ${normal.scale}`);
  assert.ok(Math.abs(normal.clip[1] - normal.clip[0] - 255 * normal.scale) < 1e-6);

  // The browser's numbers equal the JS API's in Node on the same tensor, exactly (as page.test.mjs).
  const qp = await loadQplay();
  const same = makeWidgetTensor({ distribution: 'normal', seed: 1, size: 4096 });
  const expected = qp.runScheme(same.data, same.shape, { format: 'int', bits: 8, scheme: 'affine' });
  assert.deepEqual(normal.metrics, expected.metrics);
  assert.equal(normal.scale, expected.integer.scales[0]);
  assert.equal(normal.zeroPoint, expected.integer.zeroPoints[0]);

  // Per channel: the unit drawn is the one the `unit` attribute names, with its own grid and range.
  await settle('channel');
  const channel = await resultOf('channel');
  const lap = makeWidgetTensor({ distribution: 'laplace', seed: 1, size: 4096 });
  const perChannel = qp.runScheme(lap.data, lap.shape, { format: 'int', bits: 4, scheme: 'affine', axis: 0 });
  assert.equal(channel.units, 64);
  assert.equal(channel.unit, 5);
  assert.equal(channel.unitName, 'channel 5 (axis 0)');
  assert.equal(channel.scale, perChannel.integer.scales[5]);
  assert.equal(channel.zeroPoint, perChannel.integer.zeroPoints[5]);
  assert.equal(channel.grid.length, 16);
  assert.equal(channel.grid[0], Math.fround((perChannel.integer.qmin - channel.zeroPoint) * channel.scale));
  assert.equal(total(channel.histogram), 64, 'the histogram counts channel 5\'s 64 values');
  const row5 = lap.data.subarray(5 * 64, 6 * 64);
  assert.equal(channel.unitStats.min, Math.min(...row5));
  assert.equal(channel.unitStats.max, Math.max(...row5));
  assert.equal(channel.unitMse, perChannel.unitMse[5]);
  assert.deepEqual(channel.metrics, perChannel.metrics);
  // The reader picks another unit with the control: the attribute follows and the grid changes.
  await page.$eval('#channel', (w) => {
    const input = w.shadowRoot.querySelector('input[name="unit"]');
    input.value = '9';
    input.dispatchEvent(new Event('change'));
  });
  await page.waitForFunction(() => document.getElementById('channel').result?.unit === 9);
  assert.equal((await resultOf('channel')).scale, perChannel.integer.scales[9]);

  await settle('outliers');
  const outliers = await resultOf('outliers');
  assert.equal(outliers.grid.length, 16);
  assert.ok(outliers.metrics.sqnrDb < normal.metrics.sqnrDb);

  // The reader picks 4 bits in one widget: only that one changes, and qp-change says so.
  await page.evaluate(() => { self.__changes = []; });
  await page.locator('#normal select[name="bits"]').selectOption('4');
  await page.waitForFunction(() => document.getElementById('normal').result?.grid.length === 16);
  assert.deepEqual(await page.evaluate(() => self.__changes.map((c) => [c.id, c.detail.bits])), [['normal', '4']]);
  assert.equal((await resultOf('file')).grid.length, 256);

  // controls="none" hides every control; controls="format bits" shows just those two.
  const shown = (id) => page.evaluate((id) => [...document.getElementById(id).shadowRoot.querySelectorAll('label.control')]
    .filter((l) => !l.hidden).map((l) => l.querySelector('select, input').name), id);
  assert.deepEqual(await shown('file'), []);
  assert.deepEqual(await shown('outliers'), ['format', 'bits']);
  assert.deepEqual(await shown('four'), []);
});

test('the iframe form: embed.html renders a widget from the URL, and names an unknown one', async () => {
  const frames = () => page.frames().filter((f) => f.url().includes('/embed.html'));
  await page.waitForFunction(() => document.querySelectorAll('iframe').length === 3);
  const byWidget = async (name) => {
    for (let i = 0; i < 100; i++) {
      const f = frames().find((fr) => new URL(fr.url()).searchParams.get('widget') === name);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no frame for ${name}`);
  };
  const value = await byWidget('qp-value');
  await value.waitForFunction(() => document.querySelector('qp-value')?.dataset.state === 'ready', null, { timeout: 20_000 });
  const r = await value.evaluate(() => document.querySelector('qp-value').result);
  assert.deepEqual([r.code, r.zeroPoint, r.dequantized.toFixed(4)], [128, 0, '3.0118']);

  const bits = await byWidget('qp-float-bits');
  await bits.waitForFunction(() => document.querySelector('qp-float-bits')?.dataset.state === 'ready', null, { timeout: 20_000 });
  assert.equal(await bits.evaluate(() => document.querySelector('qp-float-bits').result.stored), 1638 / 16384);

  const unknown = await byWidget('qp-nothing');
  await unknown.waitForFunction(() => /Unknown widget/.test(document.body.textContent));
  assert.match(await unknown.evaluate(() => document.body.textContent), /Unknown widget 'qp-nothing'.*qp-value/s);
});

test('at 375 px wide the widgets fit (screenshots in test-results/)', async () => {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, 'widgets-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => [...document.querySelectorAll('qp-value, qp-float-bits, qp-tensor')]
    .map((el) => ({ id: el.id, width: el.getBoundingClientRect().width, box: el.shadowRoot.querySelector('.box') }))
    .filter(({ width, box }) => width > 375 || box.scrollWidth > box.clientWidth + 1).map(({ id }) => id));
  assert.deepEqual(overflow, []);
  await page.screenshot({ path: path.join(outDir, 'widgets-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a host CSP that refuses blob: Workers: the core runs on the main thread', async () => {
  const strict = await env.context.newPage();
  try {
    await strict.goto(`${docs.origin}/docs/strict.html`);
    await strict.waitForFunction(() => document.getElementById('strict')?.dataset.state === 'ready', null, { timeout: 20_000 });
    assert.equal(await strict.evaluate(() => document.getElementById('strict').result.code), 46);
    assert.equal(await strict.evaluate(async (url) => (await import(url)).widgetCore().mode, widgetsUrl), 'main-thread');
  } finally {
    await strict.close();
  }
  // The refused Worker is the host's policy at work, the one expected console error.
  env.problems.console = env.problems.console.filter((m) => !/worker-src|create a worker|Worker from 'blob:/i.test(m));
});

test('no request to a third origin, no console errors, no CSP violation on the documentation page', async () => {
  assert.deepEqual(env.problems.foreign, []);
  assert.deepEqual(env.problems.pageErrors, []);
  assert.deepEqual(env.problems.console, []);
  assert.deepEqual(await page.evaluate(() => self.__csp), []);
});
