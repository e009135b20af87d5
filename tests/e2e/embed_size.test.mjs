// Self-sizing iframes (issue #7): embed.html reports its content's height with postMessage
// (web/widgets/embed_size.mjs) and the optional host script dist/qp-embed.js sizes the iframes of
// embed.html to it, on a documentation page of another origin. The iframe's height must follow its
// content's height (measured inside the frame, not taken from the messages) when the widget
// renders and when the content grows; an iframe of another page, or a message from the host page
// itself, must not resize anything; a host script added after the frames loaded asks them again.
// Needs dist/ (`node node_modules/vite/bin/vite.js build`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PREFIX, launchPage, startPageServer } from './browser.mjs';

let env, docs, app, page;

const FRAMES = `
  <iframe id="value" title="value" width="640" height="80"
    src="{{APP}}embed.html?widget=qp-value&value=3&min=0&max=6&bits=8&scheme=affine"></iframe>
  <iframe id="bits" title="bits" width="640" height="900"
    src="{{APP}}embed.html?widget=qp-float-bits&value=0.1&format=fp16"></iframe>
  <iframe id="other" title="not a widget" width="300" height="50" src="/docs/fake.html"></iframe>`;
// A frame that is not embed.html but sends the same message: the host script must ignore it.
const FAKE = `<!doctype html><title>fake</title><link rel="icon" href="data:,">
  <script src="/docs/fake.js"></script>`;
const FAKE_JS = "parent.postMessage({ type: 'qp-embed-size', height: 999 }, '*');";

before(async () => {
  const fill = (html) => html.replaceAll('{{APP}}', app);
  docs = await startPageServer({
    // The host styles one iframe border-box, with a thick border and padding: the script adds them.
    '/docs/sized.html': () => ({ body: fill(`<!doctype html><title>sized</title><link rel="icon" href="data:,">
      <style>#bits { box-sizing: border-box; border: 6px solid gray; padding: 3px; }</style>
      <script src="{{APP}}qp-embed.js" defer></script>${FRAMES}`) }),
    '/docs/late.html': () => ({ body: fill(`<!doctype html><title>late</title><link rel="icon" href="data:,">${FRAMES}`) }),
    '/docs/fake.html': () => ({ body: FAKE }),
    '/docs/fake.js': () => ({ body: FAKE_JS, type: 'text/javascript' }),
  });
  env = await launchPage({ allowedOrigins: [docs.origin] });
  app = `${env.origin}${PREFIX}`;
  page = env.page;
});

after(async () => {
  await env?.close();
  await new Promise((resolve) => (docs ? docs.server.close(resolve) : resolve()));
});

/** The frame of the iframe `id`, once its widget is ready. */
async function readyFrame(id, widget) {
  const handle = await page.waitForSelector(`#${id}`);
  const frame = await handle.contentFrame();
  await frame.waitForFunction((w) => document.querySelector(w)?.dataset.state === 'ready', widget, { timeout: 20_000 });
  return frame;
}

/** Waits until the iframe's inner height equals its content's height (±2 px); returns both. */
async function fits(id, frame) {
  let last;
  for (const t0 = Date.now(); Date.now() - t0 < 10_000; await new Promise((r) => setTimeout(r, 100))) {
    // The frame's viewport (inside the iframe's borders and padding) and its document's height.
    const [box, content] = await frame.evaluate(() => [innerHeight, document.documentElement.getBoundingClientRect().height]);
    last = { content, box };
    if (Math.abs(content - box) <= 2) return last;
  }
  assert.fail(`iframe #${id} is ${last.box} px tall, its content ${last.content} px`);
}

test('the host script sizes each embed.html iframe to its widget, and follows it', async () => {
  await page.goto(`${docs.origin}/docs/sized.html`);
  const value = await readyFrame('value', 'qp-value');
  const bits = await readyFrame('bits', 'qp-float-bits');
  const a = await fits('value', value);
  const b = await fits('bits', bits);
  // Really resized from the tag's heights (80 and 900), to the widget: it is in view, whole.
  assert.ok(a.box > 80 + 50 && b.box < 900 - 50, JSON.stringify({ a, b }));
  const widgetBottom = await value.evaluate(() => document.querySelector('qp-value').getBoundingClientRect().bottom);
  assert.ok(widgetBottom <= a.box, `the widget (bottom ${widgetBottom}) fits in the iframe (${a.box})`);

  // The content grows (as when a widget shows a result): the iframe follows.
  await value.evaluate(() => {
    const block = document.createElement('div');
    block.style.height = '200px';
    document.getElementById('widget').append(block);
  });
  const grown = await fits('value', value);
  assert.ok(Math.abs(grown.box - (a.box + 200)) <= 2, `${a.box} + 200 → ${grown.box}`);

  // Not embed.html: its message is ignored; a message from the host page itself too.
  await page.evaluate(() => postMessage({ type: 'qp-embed-size', height: 5 }, '*'));
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.getElementById('other').clientHeight), 50);
  assert.ok(Math.abs(await value.evaluate(() => innerHeight) - grown.box) <= 2);
});

test('without the host script an iframe keeps its height; a script added later sizes it', async () => {
  await page.goto(`${docs.origin}/docs/late.html`);
  const value = await readyFrame('value', 'qp-value');
  await page.waitForTimeout(300);
  assert.equal(await value.evaluate(() => innerHeight), 80);
  await page.evaluate((src) => {
    const script = document.createElement('script');
    script.src = src;
    document.head.append(script);
  }, `${app}qp-embed.js`);
  const { box } = await fits('value', value);
  assert.ok(box > 80 + 50, `resized to ${box}`);
});

test('no request to a third origin, no page error', () => {
  assert.deepEqual(env.problems.foreign, []);
  assert.deepEqual(env.problems.pageErrors, []);
  assert.deepEqual(env.problems.console, []);
});
