// The Kernels tab in headless Chromium: the capability report against what the page itself sees,
// a quick benchmark on the two small shapes (every announced kernel gets a row with positive GOPS,
// the bars and ratios follow), Cancel stopping a run promptly, keyboard use, phone width, and a
// clean console. The large shapes (256×1024×1024, 1024³) are not run here: too slow for CI.
// Needs dist/ (`node scripts/build.mjs`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchPage, outDir } from './browser.mjs';
import { RELAXED_PROBE } from '../../web/app/worker_kernels.mjs';

const SMALL = ['1,784,256', '64,784,256'];
let browser, page;

before(async () => {
  mkdirSync(outDir, { recursive: true });
  browser = await launchPage();
  page = browser.page;
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
});

after(async () => {
  await browser?.close();
});

const data = (selector, key) => page.$eval(selector, (e, key) => e.dataset[key], key);

/** Check exactly the `wanted` shapes and 3 timed batches. */
async function chooseShapes(wanted) {
  await page.$$eval('#kernel-shapes input', (boxes, wanted) => {
    for (const b of boxes) {
      if (b.checked !== wanted.includes(b.dataset.shape)) b.click();
    }
  }, wanted);
  await page.selectOption('[data-testid="kernel-reps"]', '3');
}

function tableRows() {
  return page.$$eval('#kernel-table tbody tr', (trs) => trs.map((tr) => {
    const v = (col) => tr.querySelector(`[data-col="${col}"]`).dataset.value;
    return { kernel: tr.dataset.kernel, shape: tr.dataset.shape, label: tr.querySelector('[data-col="kernel"]').textContent,
      median: Number(v('median')), best: Number(v('best')), vsF32: v('vs-f32'), vsPeak: v('vs-peak'), check: v('check') };
  }));
}

test('the Kernels tab opens with the keyboard and reports what the device runs', async () => {
  await page.focus('[data-testid="tab-tensor"]');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-testid="tab-kernels"]', 'aria-selected'), 'true');
  assert.ok(await page.isVisible('[data-testid="kernels-view"]'));
  await page.waitForFunction(() => document.getElementById('cap-build').dataset.value !== undefined, null, { timeout: 10000 });

  const seen = await page.evaluate((probe) => ({
    isolated: globalThis.crossOriginIsolated === true, sab: typeof SharedArrayBuffer === 'function',
    cores: navigator.hardwareConcurrency, agent: navigator.userAgent,
    relaxed: WebAssembly.validate(new Uint8Array(probe)),
  }), [...RELAXED_PROBE]);
  assert.equal(await data('#cap-simd', 'value'), 'true', 'Chromium has WebAssembly SIMD');
  assert.equal(await data('#cap-build', 'value'), 'simd');
  assert.match(await page.textContent('#cap-build'), /kernel tier wasmsimd/);
  assert.equal(await data('#cap-relaxed', 'engine'), String(seen.relaxed));
  const relaxed = await data('#cap-relaxed', 'value');
  assert.ok(['installed', 'engine', 'none'].includes(relaxed), relaxed);
  if (seen.relaxed) assert.notEqual(relaxed, 'none');
  assert.equal(await data('#cap-threads', 'isolated'), String(seen.isolated));
  assert.equal(await data('#cap-threads', 'sharedArrayBuffer'), String(seen.sab));
  // The e2e server sends COOP/COEP, so the page is isolated and the pthreads build loads.
  if (seen.isolated) {
    assert.match(await page.textContent('#cap-threads'), /Threaded kernels: the pthreads build runs the rows marked "threads" on \d+ threads/);
    assert.equal(await data('#cap-threads', 'value'), 'threads');
  } else {
    assert.match(await page.textContent('#cap-threads'), /Threaded kernels off: /);
  }
  assert.equal(await data('#cap-cores', 'value'), String(seen.cores));
  assert.equal(await data('#cap-agent', 'value'), seen.agent);

  const kernels = JSON.parse(await data('#panel-kernels', 'kernels'));
  for (const k of ['u8s8', 's8s8', 'f32', 'scalar']) assert.ok(kernels.includes(k), `kernel ${k} is listed`);
  for (const k of ['u8s8-threads', 'f32-threads']) assert.equal(kernels.includes(k), seen.isolated, `kernel ${k} is listed iff isolated`);
  assert.equal(kernels.includes('relaxed'), relaxed === 'installed', 'the relaxed kernel is listed iff installed');
});

test('a quick run on the small shapes gives positive GOPS for every kernel, with bars and ratios', async (t) => {
  await chooseShapes(SMALL);
  // Keyboard: the Run button takes focus with Tab order and runs with Enter; the focus ring shows.
  await page.focus('[data-testid="kernel-reps"]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'kernel-run');
  assert.notEqual(await page.$eval('#kernel-run', (b) => getComputedStyle(b).outlineStyle), 'none', 'visible focus');
  const t0 = Date.now();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('panel-kernels').dataset.state) &&
    !document.getElementById('kernel-run').disabled, null, { timeout: 30000 });
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(await data('#panel-kernels', 'state'), 'done', await page.textContent('[data-testid="kernel-status"]'));
  assert.equal(await page.isVisible('[data-testid="error"]'), false);

  const kernels = JSON.parse(await data('#panel-kernels', 'kernels'));
  const rows = await tableRows();
  for (const shape of SMALL) {
    const at = rows.filter((r) => r.shape === shape.replaceAll(',', '×'));
    // The SIMD build measures the peak loop before each shape.
    assert.deepEqual(at.map((r) => r.kernel).sort(), ['peak', ...kernels].sort(), `${shape}: the peak loop and one row per kernel`);
    const peak = at.find((r) => r.kernel === 'peak');
    for (const r of at) {
      assert.equal(r.check, 'ok', `${shape} ${r.kernel}`);
      assert.ok(r.median > 0 && Number.isFinite(r.median), `${shape} ${r.kernel}: median ${r.median}`);
      assert.ok(r.best >= r.median, `${shape} ${r.kernel}: best ${r.best} ≥ median ${r.median}`);
      if (r.kernel === 'u8s8' || r.kernel === 's8s8' || r.kernel.startsWith('relaxed')) {
        const f32 = at.find((x) => x.kernel === 'f32');
        assert.ok(Math.abs(Number(r.vsF32) - r.median / f32.median) < 1e-9, `${r.kernel}: int8/f32 ratio`);
        assert.ok(Math.abs(Number(r.vsPeak) - r.median / peak.median) < 1e-9, `${r.kernel}: int8/peak ratio`);
      }
    }
    const bars = await page.$$eval(`#kernel-bars .bar-group`, (groups, title) => {
      const g = groups.find((x) => x.querySelector('h3').textContent === title);
      return g ? [...g.querySelectorAll('li')].map((li) => ({ kernel: li.dataset.kernel, gops: Number(li.dataset.gops),
        width: li.querySelector('.bar').getBoundingClientRect().width })) : [];
    }, shape.split(',').join(' × '));
    assert.equal(bars.length, kernels.length + 1, `${shape}: a bar per kernel and the peak loop`);
    for (const b of bars) assert.ok(b.gops > 0 && b.width > 0, `${shape} ${b.kernel}: bar drawn`);
  }
  t.diagnostic(`quick run ${seconds.toFixed(1)} s (noisy shared machine): ` +
    rows.map((r) => `${r.shape} ${r.label}: ${r.median.toFixed(1)} GOPS (best ${r.best.toFixed(1)})`).join('; '));
  await page.screenshot({ path: path.join(outDir, 'kernels.png'), fullPage: true });
});

test('Cancel stops a run within a batch or two and the tab can run again', async () => {
  await chooseShapes(SMALL);
  await page.click('[data-testid="kernel-run"]');
  await page.waitForFunction(() => Number(document.getElementById('panel-kernels').dataset.rows) >= 1, null, { timeout: 15000 });
  const t0 = Date.now();
  await page.click('[data-testid="kernel-cancel"]');
  await page.waitForFunction(() => document.getElementById('panel-kernels').dataset.state !== 'running', null, { timeout: 5000 });
  const ms = Date.now() - t0;
  assert.equal(await data('#panel-kernels', 'state'), 'cancelled');
  assert.ok(ms < 1500, `cancelled after ${ms} ms`);
  assert.match(await page.textContent('[data-testid="kernel-status"]'), /cancelled after \d+ kernel measurements/);
  assert.equal(await page.isVisible('[data-testid="kernel-progress"]'), false);
  assert.equal(await page.isDisabled('[data-testid="kernel-run"]'), false);
  const rows = await tableRows();
  assert.ok(rows.length < 2 * (1 + JSON.parse(await data('#panel-kernels', 'kernels')).length), 'the run stopped early');
});

test('phone width (375 px), light and dark: the Kernels tab fits', async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${colorScheme}: the page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: path.join(outDir, `phone-kernels-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('no console errors, page errors, CSP violations or requests to other origins', async () => {
  const { problems } = browser;
  problems.csp = await page.evaluate(() => self.__csp);
  assert.deepEqual(problems.foreign, [], 'requests to other origins');
  assert.deepEqual(problems.csp, [], 'CSP violations');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.console, [], 'console errors');
});
