// The app's state in the URL hash (web/app/url_state.mjs) in the real page: a link sets the controls
// and the result (checked against the JS API on the same tensor), a change of a control is written
// back to the hash, hashchange (back navigation, an edited hash) applies, bad values fall back and
// the page says so, and "Copy link" / "Copy embed snippet" copy what the page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPage } from './browser.mjs';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { SYNTHETIC } from '../../web/app/tensors.mjs';
import { parse } from '../../web/app/url_state.mjs';
import { embedSnippet } from '../../web/app/share.mjs';

let page, context, origin, problems, close, qp, base;

before(async () => {
  ({ page, context, origin, problems, close } = await launchPage());
  base = page.url();  // the app under its sub-path
  qp = await loadQplay();
});

after(async () => {
  await close?.();
});

/** A fresh page load with this hash (about:blank first: a hash-only goto would not reload). */
async function open(hash) {
  await page.goto('about:blank');
  await page.goto(`${base}#${hash}`);
}

async function waitIdle(want = {}) {
  await page.waitForFunction((want) => {
    const el = document.getElementById('results');
    if (el.dataset.state !== 'idle' || !el.dataset.options) return false;
    if (want.source && el.dataset.source !== want.source) return false;
    if (want.channel !== undefined && el.dataset.channel !== String(want.channel)) return false;
    const got = JSON.parse(el.dataset.options);
    return Object.entries(want.options ?? {}).every(([k, v]) => got[k] === v);
  }, want, { timeout: 20000 });
}

const hashNow = () => page.evaluate(() => location.hash.replace(/^#/, ''));
const value = (testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');
const waitHash = (predicate, arg) => page.waitForFunction(predicate, arg, { timeout: 10000 });

test('a link opens the page with its tensor, settings, unit and tab; the numbers equal the API on that tensor', async () => {
  await open('tab=compare&source=synthetic:laplace&seed=7&bits=4&scheme=symmetric&granularity=channel&axis=1&numerics=onnx&channel=5');
  const options = { format: 'int', bits: 4, scheme: 'symmetric', signed: true, axis: 1, mode: 'onnx' };
  await waitIdle({ source: 'synthetic:laplace', channel: 5, options });
  // The controls show the link's settings.
  assert.equal(await page.inputValue('#source'), 'synthetic:laplace');
  assert.equal(await page.inputValue('#seed'), '7');
  assert.equal(await page.inputValue('#bits'), '4');
  assert.ok(await page.isChecked('input[name="scheme"][value="symmetric"]'));
  assert.ok(await page.isChecked('input[name="granularity"][value="channel"]'));
  assert.ok(await page.isChecked('input[name="mode"][value="onnx"]'));
  assert.equal(await page.inputValue('#axis'), '1');
  assert.equal(await page.getAttribute('[data-testid="tab-compare"]', 'aria-selected'), 'true');
  assert.ok(await page.isVisible('[data-testid="compare-view"]'));
  // The result: the same tensor (generated here from the same seed) through the JS API.
  const t = SYNTHETIC.laplace.make(7);
  const r = qp.quantize(t.data, t.shape, options);
  assert.equal(await value('metric-sqnr'), String(r.metrics.sqnrDb));
  assert.equal(await value('param-scale'), String(r.scales[5]), 'the scale of unit 5 along axis 1');
  assert.equal(await page.isVisible('[data-testid="url-notice"]'), false, 'a good link says nothing');
  // The page writes its state back in canonical form (here: the same keys, schema order).
  assert.equal(await hashNow(), 'tab=compare&source=synthetic:laplace&seed=7&bits=4&scheme=symmetric&granularity=channel&axis=1&numerics=onnx&channel=5');
});

test('changing a control writes the hash (replaceState: no history entry); defaults are left out', async () => {
  await open('');
  await waitIdle({ source: 'example' });
  assert.equal(await hashNow(), '', 'the default state has no hash');
  const length = await page.evaluate(() => history.length);
  await page.check('input[name="scheme"][value="symmetric"]');
  await waitIdle({ options: { scheme: 'symmetric' } });
  await waitHash(() => location.hash === '#scheme=symmetric');
  await page.focus('#bits');
  await page.keyboard.press('ArrowLeft');
  await waitHash(() => location.hash === '#bits=7&scheme=symmetric');
  await page.click('[data-testid="tab-kernels"]');
  await waitHash(() => location.hash === '#tab=kernels&bits=7&scheme=symmetric');
  await page.click('[data-testid="tab-tensor"]');
  await page.check('input[name="scheme"][value="affine"]');
  await page.focus('#bits');
  await page.keyboard.press('ArrowRight');
  await waitHash(() => location.hash === '');
  assert.equal(await page.evaluate(() => history.length), length, 'no history entries were added');
  assert.equal(await page.evaluate(() => location.href), base, 'back to the bare URL');
});

test('hashchange applies: an edited hash, then back navigation to the previous one', async () => {
  await open('bits=6');
  await waitIdle({ options: { bits: 6 } });
  await page.evaluate(() => { location.hash = 'bits=3&granularity=group&groupSize=64&source=synthetic:uniform'; });
  await waitIdle({ source: 'synthetic:uniform', options: { bits: 3, groupSize: 64, axis: 1 } });
  assert.equal(await page.inputValue('#bits'), '3');
  assert.equal(await page.inputValue('#group-size'), '64');
  assert.equal(await page.inputValue('#axis'), '1', 'per group: the last axis by default');
  await page.goBack();
  await waitIdle({ source: 'example', options: { bits: 6, axis: null, groupSize: null } });
  assert.equal(await page.inputValue('#source'), 'example');
  assert.ok(await page.isChecked('input[name="granularity"][value="tensor"]'));
  assert.equal(await hashNow(), 'bits=6');
});

test('bad values fall back to their defaults and the page says which; unknown keys are ignored', async () => {
  await open('bits=99&scheme=sideways&tab=nope&format=q9_9&theme=dark&seed=3');
  await waitIdle({ source: 'example', options: { bits: 8, scheme: 'affine', format: 'int' } });
  await page.waitForSelector('[data-testid="url-notice"]:visible');
  const note = await page.textContent('#url-notice-text');
  for (const key of ['bits=99', 'scheme=sideways', 'tab=nope', 'format=q9_9']) assert.ok(note.includes(key), `${key} in: ${note}`);
  assert.ok(!note.includes('theme'), 'unknown keys are not reported');
  assert.equal(await page.getAttribute('[data-testid="tab-tensor"]', 'aria-selected'), 'true');
  assert.equal(await page.isVisible('[data-testid="error"]'), false, 'not an error: the page works');
  await waitHash(() => location.hash === '');
  await page.click('#url-notice-close');
  assert.equal(await page.isVisible('[data-testid="url-notice"]'), false);

  // Values the format or the tensor cannot take: said after the worker fitted them (an edited hash).
  await page.evaluate(() => { location.hash = 'format=int&bits=12&granularity=channel&axis=7&channel=999999'; });
  await waitIdle({ source: 'example', options: { bits: 8, axis: 1 } });
  await page.waitForFunction(() => /axis=7/.test(document.getElementById('url-notice-text').textContent) &&
    /channel=999999/.test(document.getElementById('url-notice-text').textContent));
  const fitted = await page.textContent('#url-notice-text');
  assert.match(fitted, /bits=12 is outside int's range 2…8/);
  assert.equal(await page.getAttribute('#results', 'data-channel'), '511', 'the last unit of axis 1 (512 columns)');
});

test('Copy link copies the page URL with its state; Copy embed snippet both embed forms, URLs under the sub-path', async () => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await page.evaluate(() => { location.hash = 'tab=compare&bits=4&source=synthetic:uniform&seed=2'; });
  await waitIdle({ source: 'synthetic:uniform', options: { bits: 4 } });
  await page.click('[data-testid="copy-link"]');
  await page.waitForFunction(() => /copied/.test(document.getElementById('share-note').textContent));
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, await page.evaluate(() => location.href));
  assert.ok(link.startsWith(`${origin}/sub/app/#`), link);
  assert.deepEqual(parse(new URL(link).hash).state, parse('tab=compare&bits=4&source=synthetic:uniform&seed=2').state);

  await page.click('[data-testid="copy-embed"]');
  await page.waitForFunction(() => /Embed snippet copied/.test(document.getElementById('share-note').textContent));
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  const hash = await hashNow();
  assert.equal(snippet, embedSnippet(hash, link));
  assert.ok(snippet.includes(`<script type="module" src="${origin}/sub/app/qp-widgets.js"></script>`), snippet);
  assert.ok(snippet.includes(`<qp-playground state="${hash.replace(/&/g, '&amp;')}"></qp-playground>`), snippet);
  const src = snippet.match(/<iframe src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  const iframe = new URL(src);
  assert.equal(`${iframe.origin}${iframe.pathname}`, `${origin}/sub/app/embed.html`);
  assert.equal(iframe.searchParams.get('widget'), 'qp-playground');
  assert.equal(iframe.searchParams.get('state'), hash);
});

test('a refused clipboard: the text is shown selected in a read-only field', async () => {
  await context.clearPermissions();
  await page.evaluate(() => {
    // What a browser that refuses does: writeText rejects.
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
  });
  await page.click('[data-testid="copy-link"]');
  await page.waitForSelector('[data-testid="share-text"]:visible');
  const field = await page.evaluate(() => {
    const f = document.getElementById('share-text');
    return { value: f.value, readOnly: f.readOnly, focused: document.activeElement === f,
      selected: f.value.slice(f.selectionStart, f.selectionEnd) };
  });
  const href = await page.evaluate(() => location.href);
  assert.deepEqual(field, { value: href, readOnly: true, focused: true, selected: href });
  assert.match(await page.textContent('[data-testid="share-note"]'), /refused/);
});

test('the Network tab from a link (on a phone: opened at the results); its model and modes; a change of mode is written back', async () => {
  await page.setViewportSize({ width: 375, height: 740 });
  await open('tab=network&model=cnn&modes=float,static');
  await page.waitForFunction(() => Math.abs(document.getElementById('results').getBoundingClientRect().top) < 5,
    null, { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById('panel-network').dataset.state === 'ready', null, { timeout: 30000 });
  assert.equal(await page.inputValue('#net-model'), 'cnn');
  assert.match(await page.getAttribute('[data-testid="net-name"]', 'data-value'), /cnn/i, 'the CNN was opened, not the MLP');
  const checked = () => page.$$eval('input[name="net-mode"]:checked', (boxes) => boxes.map((b) => b.value));
  assert.deepEqual(await checked(), ['float', 'static']);
  await page.check('input[name="net-mode"][value="dynamic"]');
  await waitHash(() => location.hash === '#tab=network&model=cnn&modes=float,dynamic,static');
  for (const m of ['float', 'static']) await page.uncheck(`input[name="net-mode"][value="${m}"]`);
  await page.uncheck('input[name="net-mode"][value="dynamic"]');
  assert.ok(await page.isDisabled('[data-testid="net-run"]'), 'no mode checked: nothing to evaluate');
});

test('no console errors, page errors or requests to other origins', () => {
  assert.deepEqual(problems.foreign, []);
  assert.deepEqual(problems.pageErrors, []);
  assert.deepEqual(problems.console, []);
});
