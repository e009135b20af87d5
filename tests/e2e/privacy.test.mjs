// The request log (issue #7, item 5): one whole user session in headless Chromium, served from
// dist/ under a sub-path: load the app, open a weight file, quantize with another setting, run the
// Compare tab, evaluate the Network tab on a few images, then read the article with its widgets.
// Every request (pages, frames and workers) is recorded; the session fails on any request to
// another origin, on any CSP violation, and on any response without a strict script policy. A
// static scan of dist/ then fails on any absolute URL the site would fetch (a CDN, a font host).
// Needs dist/ (`node scripts/build.mjs`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { launchPage, dist, root } from './browser.mjs';
import { fetchedInCss, fetchedInHtml, fetchedInJs, scanDirectory, scriptPolicyProblems } from './fetched_urls.mjs';

const WEIGHTS = path.join(root, 'tests/fixtures/bench_network/tiny.safetensors');  // fc1/fc2 of a tiny MLP
const TENSOR = 'fc1.weight';
let browser, page;
const responses = [];  // { url, status, csp, frame }

before(async () => {
  browser = await launchPage();
  page = browser.page;
  // Every response the context sees: documents, subresources, frames and worker fetches.
  browser.context.on('response', async (r) => {
    const entry = { url: r.url(), status: r.status(), csp: null };
    responses.push(entry);
    try {
      entry.csp = (await r.allHeaders())['content-security-policy'] ?? null;
    } catch {
      entry.csp = 'unreadable';  // the page went away before the headers were read: reported below
    }
  });
  // launchPage opened the app before the listener existed: reload so the first document is logged.
  await page.reload();
});

after(async () => {
  await browser?.close();
});

/** CSP violations seen by every frame of the page so far (the init script records them). */
async function frameViolations() {
  const all = [];
  for (const frame of page.frames()) {
    try {
      all.push(...(await frame.evaluate(() => self.__csp ?? [])).map((v) => `${frame.url()}: ${v}`));
    } catch { /* a detached frame */ }
  }
  return all;
}

const cspViolations = [];
const state = (selector) => page.getAttribute(selector, 'data-state');

test('a whole session in the app: open a file, quantize, compare, evaluate the network', async (t) => {
  const t0 = Date.now();
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });

  // Open the user's weights with the file input: the Model tab lists them; open one tensor.
  await page.setInputFiles('[data-testid="file-input"]', WEIGHTS);
  await page.waitForSelector(`#tensor-table tr[data-name="${TENSOR}"] button.tensor-name`, { timeout: 15000 });
  await page.click(`#tensor-table tr[data-name="${TENSOR}"] button.tensor-name`);
  await page.waitForFunction((name) => {
    const el = document.getElementById('results');
    return !document.getElementById('error').hidden || el.dataset.state === 'idle' && el.dataset.source === 'file' &&
      document.querySelector('[data-testid="stat-name"]').dataset.value === name;
  }, TENSOR, { timeout: 15000 });
  assert.equal(await page.isVisible('[data-testid="error"]'), false, 'the tensor opens without an error');

  // Quantize it with another setting: 4 bits, symmetric.
  await page.evaluate(() => {
    const bits = document.getElementById('bits');
    bits.value = '4';
    bits.dispatchEvent(new Event('input', { bubbles: true }));
    bits.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.check('#scheme-set input[value="symmetric"]');
  await page.waitForFunction(() => {
    const el = document.getElementById('results');
    if (el.dataset.state !== 'idle' || !el.dataset.options) return false;
    const o = JSON.parse(el.dataset.options);
    return o.bits === 4 && o.scheme === 'symmetric';
  }, null, { timeout: 15000 });

  // The Compare tab on that tensor.
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-run"]');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('panel-compare').dataset.state),
    null, { timeout: 30000 });
  assert.equal(await state('#panel-compare'), 'done', await page.textContent('[data-testid="compare-status"]'));

  // The Network tab: the bundled model and data load, evaluation on the quick limit, timing off.
  await page.click('[data-testid="tab-network"]');
  await page.waitForFunction(() => ['ready', 'empty', 'failed'].includes(document.getElementById('panel-network').dataset.state),
    null, { timeout: 30000 });
  assert.equal(await state('#panel-network'), 'ready', await page.textContent('[data-testid="net-error"]'));
  await page.selectOption('[data-testid="net-limit"]', '300');
  await page.selectOption('[data-testid="net-timing"]', '0');
  await page.click('[data-testid="net-run"]');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('panel-network').dataset.state),
    null, { timeout: 40000 });
  assert.equal(await state('#panel-network'), 'done', await page.textContent('[data-testid="net-status"]'));
  cspViolations.push(...await frameViolations());
  t.diagnostic(`app session: ${Date.now() - t0} ms, ${responses.length} responses`);
});

test('the article with its widgets, and a widget as an iframe, in the same session', async (t) => {
  const t0 = Date.now();
  await page.goto(`${new URL('docs/', page.url())}`);
  const widgets = page.locator('body *:is(qp-value, qp-float-bits, qp-tensor, qp-compare, qp-network, qp-playground)');
  const count = await widgets.count();
  assert.ok(count >= 6, `the article holds the widgets (found ${count})`);
  // Scrolled through like a reader (the embedded app's iframe loads lazily); every widget settles.
  for (let i = 0; i < count; i++) await widgets.nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll('*')].filter((el) => el.localName.startsWith('qp-'))
    .every((el) => ['ready', 'error'].includes(el.dataset.state)), null, { timeout: 45000 });
  const failed = await page.evaluate(() => [...document.querySelectorAll('*')]
    .filter((el) => el.localName.startsWith('qp-') && el.dataset.state !== 'ready').map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(failed, [], 'every widget reaches data-state=ready');
  // The network widget runs (it fetches the model and the test images).
  const net = page.locator('qp-network').first();
  await net.locator('button', { hasText: /^Run/ }).click();
  await page.waitForFunction(() => {
    const el = document.querySelector('qp-network');
    return el.result && !el.result.cancelled || el.dataset.state === 'error';
  }, null, { timeout: 40000 });
  assert.equal(await net.getAttribute('data-state'), 'ready');
  cspViolations.push(...await frameViolations());

  // The iframe form: embed.html with a widget's attributes as parameters.
  await page.goto(new URL('../embed.html?widget=qp-tensor&distribution=laplace&bits=4&calibration=mse', page.url()).href);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('qp-tensor')?.dataset.state), null, { timeout: 15000 });
  assert.equal(await page.getAttribute('qp-tensor', 'data-state'), 'ready');
  cspViolations.push(...await frameViolations());
  t.diagnostic(`article: ${count} widgets ready and the network run, then embed.html: ${Date.now() - t0} ms`);
});

test('the session made no request to another origin, and no CSP violation', (t) => {
  const { problems, origin } = browser;
  assert.deepEqual(problems.foreign, [], 'requests to other origins');
  assert.deepEqual(cspViolations, [], 'CSP violations (securitypolicyviolation events)');
  assert.deepEqual(problems.console.filter((m) => /Content.Security.Policy|Refused to/i.test(m)), [], 'CSP console messages');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.console, [], 'console errors (pages, frames and workers)');
  // A failed request is a broken session (and error pages may lack the headers checked below).
  assert.deepEqual(responses.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`), [], 'failed requests');
  const foreignResponses = responses.filter((r) => !r.url.startsWith(`${origin}/`) && !/^(data|blob):/.test(r.url));
  assert.deepEqual(foreignResponses.map((r) => r.url), []);
  // The log really covers the session, workers included: the app's data, the wasm, the article.
  const urls = responses.map((r) => r.url);
  for (const [what, pattern] of [['the app page', /\/sub\/app\/$/], ['the wasm core', /\.wasm$/],
    ['the bundled network', /models\/mlp\.safetensors$/], ['the test images', /fmnist\//],
    ['the article', /\/docs\/$/], ['the widgets bundle', /\/qp-widgets\.js$/], ['the iframe page', /\/embed\.html\?/]])
    assert.ok(urls.some((u) => pattern.test(u)), `the request log has ${what} (${pattern})`);
  const paths = new Set(urls.map((u) => new URL(u).pathname.replace(/-[\w-]{8}\./, '-*.')));
  t.diagnostic(`${responses.length} responses, ${paths.size} distinct files, all from ${origin}`);
});

test('every response carries a strict script policy', () => {
  const http = responses.filter((r) => /^https?:/.test(r.url));
  assert.ok(http.length > 10, `responses were recorded (${http.length})`);
  const bad = http.map((r) => ({ url: r.url, problems: scriptPolicyProblems(r.csp) })).filter((r) => r.problems.length);
  assert.deepEqual(bad, [], 'responses whose Content-Security-Policy is missing or weak');
});

test('every page of dist/ declares the same strict policy in a meta tag', () => {
  const pages = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) pages.push(p);
    }
  };
  walk(dist);
  assert.ok(pages.some((p) => p.endsWith(path.join('docs', 'index.html'))), 'dist/docs/index.html exists');
  for (const p of pages) {
    const html = readFileSync(p, 'utf8');
    const meta = html.match(/<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(["'])(.*?)\1/i);
    assert.deepEqual(scriptPolicyProblems(meta?.[2] ?? null), [], path.relative(dist, p));
  }
});

test('the scanner finds fetched URLs and ignores text that only mentions one', () => {
  // Must be able to fail: each of these is a request to another origin.
  assert.deepEqual(fetchedInHtml('<script type="module" src="https://cdn.example.com/lib.js"></script>'), ['https://cdn.example.com/lib.js']);
  assert.deepEqual(fetchedInHtml('<link rel="stylesheet" href="//fonts.example.com/css">'), ['//fonts.example.com/css']);
  assert.deepEqual(fetchedInHtml('<img alt="" srcset="a.png 1x, https://img.example.com/b.png 2x">'), ['https://img.example.com/b.png']);
  assert.deepEqual(fetchedInCss('@import url("https://fonts.example.com/x.css"); .a{background:url(http://x.example/a.png)}'),
    ['https://fonts.example.com/x.css', 'http://x.example/a.png']);
  assert.deepEqual(fetchedInJs('fetch("https://telemetry.example.com/hit")'), ['https://telemetry.example.com/hit']);
  assert.deepEqual(fetchedInJs('import(`https://cdn.example.com/${v}/m.js`)'), ['https://cdn.example.com/${v}/m.js']);
  // Not requests: a link to read, a snippet shown as text, a namespace, a sentence, a comment.
  assert.deepEqual(fetchedInHtml('<a href="https://arxiv.org/abs/1712.05877">paper</a>'), []);
  assert.deepEqual(fetchedInHtml('<pre><code>&lt;script src="https://your.host/qp-widgets.js"&gt;</code></pre>'), []);
  assert.deepEqual(fetchedInJs('document.createElementNS("http://www.w3.org/2000/svg","svg")'), []);
  assert.deepEqual(fetchedInJs('warn(`Blocking is dangerous, see https://emscripten.org/docs/x.html`) // https://a.example/'), []);
});

test('dist/ fetches no absolute URL (no CDN, no font host, no telemetry)', () => {
  assert.ok(existsSync(path.join(dist, 'index.html')));
  assert.deepEqual(scanDirectory(dist), []);
});
