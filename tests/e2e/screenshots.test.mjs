// Screenshots of each tab at a desktop (1280×900) and a phone (375×740) width, into
// test-results/screenshots/ (kept as CI artifacts: look at them). At both widths no tab may scroll the
// page sideways (wide tables scroll inside their own box). Also the first screen while the core starts
// (the loading indicator) and the dark theme of the Tensor tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dist, launchPage, outDir } from './browser.mjs';

const shots = path.join(outDir, 'screenshots');
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 740 } };

let page, context, problems, close;

before(async () => {
  mkdirSync(shots, { recursive: true });
  ({ page, context, problems, close } = await launchPage());
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });
});

after(async () => {
  await close?.();
});

const READY = {
  // The calibrators' markers arrive after the first result (see showMarkers in main.mjs).
  tensor: () => page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle' &&
    document.getElementById('results').dataset.markers === 'ready'),
  compare: () => page.waitForFunction(() => document.querySelectorAll('#compare-list input').length > 0),
  model: () => page.waitForFunction(() => !document.getElementById('panel-model').inert),
  kernels: () => page.waitForFunction(() => document.getElementById('cap-build').dataset.value !== undefined, null, { timeout: 15000 }),
  network: () => page.waitForFunction(() => document.getElementById('panel-network').dataset.state === 'ready', null, { timeout: 30000 }),
};

/** What sticks out of the page's width, for the failure message. */
const overflow = () => page.evaluate(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return e.checkVisibility?.() !== false && r.width > 0 && r.right > width + 0.5;
  }).slice(0, 8).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, wide };
});

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  test(`${name} (${viewport.width}×${viewport.height}): each tab fits the width; screenshots`, async () => {
    await page.setViewportSize(viewport);
    for (const [tab, ready] of Object.entries(READY)) {
      await page.click(`[data-testid="tab-${tab}"]`);
      await ready();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));  // charts resized
      const o = await overflow();
      assert.ok(o.scrollWidth <= o.innerWidth, `${tab} at ${viewport.width} px scrolls sideways: ${JSON.stringify(o)}`);
      await page.screenshot({ path: path.join(shots, `${tab}-${viewport.width}.png`), fullPage: true });
    }
    await page.click('[data-testid="tab-tensor"]');
  });
}

test('dark theme (Tensor tab, both widths) and the loading indicator while the core starts', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  for (const viewport of Object.values(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, `tensor-dark-${viewport.width}.png`) });
    // The results, which sit below the settings on a phone.
    await page.locator('#status').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, `tensor-dark-${viewport.width}-results.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // The loading state, held: the worker's hello is answered only once this test lets it through.
  await page.setViewportSize(VIEWPORTS.phone);
  let release;
  const held = new Promise((r) => { release = r; });
  // On the context: the worker's requests go through it (page routes see only the page's own).
  await context.route('**/qp_wasm*.wasm', async (route) => { await held; await route.fallback(); });
  // A first start: the service worker the page registered after its first view would answer the
  // core from its cache, past the route (which then never holds it): remove it and its caches.
  await page.evaluate(async () => {
    for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    for (const name of await caches.keys()) await caches.delete(name);
  });
  await page.reload();
  await page.waitForSelector('#status .spinner');
  assert.equal(await page.getAttribute('#results', 'data-state'), 'loading');
  const spin = await page.evaluate(() => getComputedStyle(document.querySelector('#status .spinner')).animationName);
  assert.equal(spin, 'spin');
  const bar = await page.evaluate(() => getComputedStyle(document.body, '::before').animationName);
  assert.equal(bar, 'slide', 'the bar along the top of the window, seen on a phone where the status is below the fold');
  await page.evaluate(() => window.scrollTo(0, 0));  // a reload keeps the scroll position
  await page.screenshot({ path: path.join(shots, 'loading-375.png') });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#status .spinner')).animationName), 'none',
    'reduced motion: the indicator stands still');
  assert.ok(await page.isVisible('#status .spinner'), 'and is still shown');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body, '::before').animationName), 'none');
  release();  // the handler lets this and later requests through
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });
  assert.equal(await page.$('#status .spinner'), null, 'the indicator goes once the core runs');
});

test('first view: the other tabs\' code is not fetched before the first result, and is after it, when idle', async () => {
  await page.setViewportSize(VIEWPORTS.desktop);
  // The moment the first result is on screen, in the page's own clock (a MutationObserver installed
  // before the page's scripts), compared with each request's start in Resource Timing: the idle
  // prefetch may begin right after the result, before a poll from here would notice.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const results = document.getElementById('results');
      if (results?.dataset.state === 'idle' && self.__firstResultAt === undefined) self.__firstResultAt = performance.now();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const fetched = [];
  const onRequest = (r) => fetched.push(r.url());
  page.on('request', onRequest);
  await page.reload();
  await page.waitForFunction(() => self.__firstResultAt !== undefined, null, { timeout: 20000 });
  const views = /\/(compare|model|analysis|model_compare|kernels|network)_view-[\w-]+\.js$/;
  const timing = await page.evaluate(() => ({ shown: self.__firstResultAt,
    resources: performance.getEntriesByType('resource').map((e) => ({ url: e.name, start: e.startTime })) }));
  const early = timing.resources.filter((r) => r.start <= timing.shown && views.test(r.url)).map((r) => r.url);
  assert.deepEqual(early, [], 'no other tab\'s view before the first result');
  const entry = readFileSync(path.join(dist, 'index.html'), 'utf8').match(/<script type="module"[^>]*src="\.\/([^"]+)"/)[1];
  assert.ok(timing.resources.some((r) => r.start <= timing.shown && r.url.endsWith(`/${entry}`)), `the entry chunk ${entry}`);
  await page.waitForFunction(() => !document.getElementById('panel-network').inert, null, { timeout: 20000 });
  page.off('request', onRequest);
  const later = new Set(fetched.filter((url) => views.test(url)).map((url) => url.match(views)[1]));
  assert.deepEqual([...later].sort(), ['analysis', 'compare', 'kernels', 'model', 'model_compare', 'network']);
  assert.ok(!fetched.some((url) => /qp_wasm_threads/.test(url)), 'the threads build waits for the Kernels tab');
});

test('no console errors, page errors or requests to other origins', () => {
  assert.deepEqual(problems.foreign, []);
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.console, []);
});
