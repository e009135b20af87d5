// The article (dist/docs/) in headless Chromium at phone width: every widget on it reaches
// data-state=ready with a clean console and nothing wider than the screen, in light and dark;
// each widget's snippet (script and iframe forms) names exactly that widget and points at files
// that exist; and every number the prose states is the core's, computed here in Node with the JS
// API (and, where a widget shows the same number, equal to the widget's result).
// Needs dist/ (`node scripts/build.mjs`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { EXAMPLE } from '../../web/app/tensors.mjs';
import { makeWidgetTensor } from '../../web/widgets/widget_tensor.mjs';
import { launchPage, outDir, root, dist } from './browser.mjs';

const PHONE = { width: 375, height: 812 };
const NET_LIMIT = 2000;
let browser, page, qp;

before(async () => {
  qp = await loadQplay();
  mkdirSync(outDir, { recursive: true });
  browser = await launchPage({ viewport: PHONE });
  page = browser.page;
  await page.goto(new URL('docs/', page.url()).href);
});

after(async () => {
  await browser?.close();
});

const widgetsSelector = 'figure.widget > :first-child';

/** Scroll each widget into view (iframes load lazily) and wait until all have settled. */
async function settleWidgets(timeout = 40000) {
  const count = await page.locator(widgetsSelector).count();
  for (let i = 0; i < count; i++) await page.locator(widgetsSelector).nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction((sel) => [...document.querySelectorAll(sel)]
    .every((el) => ['ready', 'error'].includes(el.dataset.state)), widgetsSelector, { timeout });
  return count;
}

test('every widget of the article reaches data-state=ready', async (t) => {
  const t0 = Date.now();
  const tags = await page.$$eval(widgetsSelector, (els) => els.map((el) => el.localName));
  for (const tag of ['qp-value', 'qp-float-bits', 'qp-tensor', 'qp-compare', 'qp-network', 'qp-playground'])
    assert.ok(tags.includes(tag), `the article uses <${tag}>`);
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('*')].filter((el) => el.localName.startsWith('qp-')).length),
    tags.length, 'every widget sits in a figure.widget');
  await settleWidgets();
  const states = await page.$$eval(widgetsSelector, (els) => els.map((el) =>
    `${el.localName}[${el.getAttributeNames().filter((a) => a !== 'data-state').map((a) => `${a}=${el.getAttribute(a)}`).join(' ')}]: ${el.dataset.state}` +
    (el.dataset.state === 'error' ? ` (${el.shadowRoot?.textContent.replace(/\s+/g, ' ').slice(0, 300)})` : '')));
  assert.deepEqual(states.filter((s) => !s.endsWith(': ready')), []);
  t.diagnostic(`${tags.length} widgets ready in ${Date.now() - t0} ms`);
});

/** Fails with the offending elements when anything is wider than the viewport. */
async function assertNoHorizontalOverflow(what) {
  const report = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      // Inside a scroller (code blocks, tables) content may be wider: the scroller is what counts.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) { clipped = true; break; }
      }
      if (!clipped && r.width > 0 && (r.right > width + 0.5 || r.left < -0.5))
        wide.push(`${el.localName}${el.id ? `#${el.id}` : ''}.${el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10) };
  });
  assert.deepEqual(report.wide, [], `${what}: elements outside the ${report.width}-px viewport`);
  assert.ok(report.scrollWidth <= report.width, `${what}: the page scrolls sideways (${report.scrollWidth} > ${report.width})`);
}

/** WCAG contrast ratio of two CSS colours 'rgb(r, g, b)'. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('at 375 px, light and dark: nothing wider than the screen, readable text, screenshots', async () => {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => window.scrollTo(0, 0));
    await assertNoHorizontalOverflow(scheme);
    const colours = await page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const code = getComputedStyle(document.querySelector('pre'));
      return { fg: body.color, bg: body.backgroundColor, codeBg: code.backgroundColor };
    });
    const dark = contrast(colours.bg, 'rgb(0, 0, 0)') < contrast(colours.bg, 'rgb(255, 255, 255)');
    assert.equal(dark, scheme === 'dark', `${scheme}: the background follows the system theme (${colours.bg})`);
    assert.ok(contrast(colours.fg, colours.bg) >= 7, `${scheme}: body text contrast ${contrast(colours.fg, colours.bg).toFixed(1)}`);
    assert.ok(contrast(colours.fg, colours.codeBg) >= 7, `${scheme}: code contrast`);
    await page.screenshot({ path: path.join(outDir, `docs-375-${scheme}.png`) });
    await page.locator('#calibration').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, `docs-375-${scheme}-calibration.png`) });
  }
  await page.emulateMedia({ colorScheme: null });
});

test('each widget\'s snippet embeds exactly that widget, in both forms, from files that exist', async () => {
  const snippets = await page.$$eval('figure.widget', (figures) => figures.map((figure) => {
    const el = figure.firstElementChild;
    const details = figure.nextElementSibling;
    const codes = details?.matches('details.snippet') ? [...details.querySelectorAll('pre code')].map((c) => c.textContent) : [];
    const attrs = Object.fromEntries(el.getAttributeNames().filter((a) => a !== 'data-state').map((a) => [a, el.getAttribute(a)]));
    return { tag: el.localName, attrs, codes };
  }));
  const base = new URL('../', page.url()).href;  // the site's root: the snippets must name it
  const urls = new Set();
  for (const { tag, attrs, codes } of snippets) {
    const what = `<${tag} ${JSON.stringify(attrs)}>`;
    assert.equal(codes.length, 2, `${what}: a script form and an iframe form`);
    // Script form: the module script and the element with the widget's own attributes.
    const parsed = await page.evaluate((html) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const script = doc.querySelector('script[type="module"]');
      const el = [...doc.body.querySelectorAll('*')].find((e) => e.localName.startsWith('qp-')) ??
        [...doc.head.querySelectorAll('*')].find((e) => e.localName.startsWith('qp-'));
      const iframe = doc.querySelector('iframe');
      return {
        script: script?.getAttribute('src') ?? null,
        tag: el?.localName ?? null,
        attrs: el ? Object.fromEntries(el.getAttributeNames().map((a) => [a, el.getAttribute(a)])) : null,
        iframe: iframe ? { src: iframe.getAttribute('src'), title: iframe.getAttribute('title') } : null,
      };
    }, codes.join('\n'));
    assert.equal(parsed.script, `${base}qp-widgets.js`, `${what}: script URL`);
    assert.equal(parsed.tag, tag, `${what}: element`);
    assert.deepEqual(parsed.attrs, attrs, `${what}: the snippet's attributes are the widget's`);
    assert.ok(parsed.iframe?.title, `${what}: the iframe has a title`);
    const frame = new URL(parsed.iframe.src);
    assert.equal(`${frame.origin}${frame.pathname}`, `${base}embed.html`, `${what}: iframe URL`);
    const params = Object.fromEntries(frame.searchParams);
    assert.deepEqual(params, { widget: tag, ...attrs }, `${what}: the iframe's parameters are the widget's attributes`);
    urls.add(parsed.script).add(`${frame.origin}${frame.pathname}`);
  }
  for (const url of urls) {
    const status = await page.evaluate((u) => fetch(u, { method: 'HEAD' }).then((r) => r.status), url);
    assert.equal(status, 200, `${url} exists`);
  }
});

test('Copy puts a snippet on the clipboard', async () => {
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: browser.origin });
  const details = page.locator('details.snippet').first();
  await details.locator('summary').click();
  const button = details.locator('button.copy').nth(1);  // the iframe form
  await button.click();
  await page.waitForFunction((b) => b.textContent !== 'Copy', await button.elementHandle());
  assert.equal(await button.textContent(), 'Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await details.locator('pre').nth(1).textContent());
  assert.match(copied, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/sub\/app\/embed\.html\?widget=qp-float-bits&/);
  await details.locator('summary').click();
});

test('the iframe form of a snippet renders its widget', async () => {
  const src = await page.$eval('figure.widget > qp-value', (el) => el.closest('figure').nextElementSibling
    .querySelectorAll('pre code')[1].textContent.match(/src="([^"]+)"/)[1]);
  const frame = await browser.context.newPage();
  try {
    await frame.goto(src);
    await frame.waitForFunction(() => document.querySelector('qp-value')?.dataset.state === 'ready', null, { timeout: 15000 });
    const code = await frame.evaluate(() => document.querySelector('qp-value').result.code);
    assert.equal(code, 46);
  } finally {
    await frame.close();
  }
});

// ---- the prose's numbers ---------------------------------------------------------------------

/** The article's numbers: {key: text} from its data-check spans. */
const shownNumbers = () => page.$$eval('[data-check]', (els) => Object.fromEntries(els.map((e) => [e.dataset.check, e.textContent])));

/** A number as printed ("−1", "90.95%", "0.100000001490116") and how many decimals it shows. */
function parseShown(text) {
  const clean = text.replace(/\u2212/g, '-').replace(/[%×…\s]/g, '');
  assert.match(clean, /^-?\d+(\.\d+)?$/, `"${text}" is a number`);
  return { value: Number(clean), decimals: (clean.split('.')[1] ?? '').length };
}

const checkedKeys = new Set();

/** The printed number must be the actual one rounded to the decimals printed. */
function assertShows(shown, key, actual) {
  assert.ok(key in shown, `the article states ${key}`);
  checkedKeys.add(key);
  const { value, decimals } = parseShown(shown[key]);
  const tolerance = 0.5 * 10 ** -decimals * (1 + 1e-9) + 1e-12;
  assert.ok(Math.abs(value - actual) <= tolerance, `${key}: the article says ${shown[key]}, the core gives ${actual}`);
}

const f32 = (...v) => Float32Array.from(v);

/** One value quantized with the range [lo, hi], computed from a tensor holding lo, hi and the value. */
function quantizeOne(value, lo, hi, options) {
  const r = qp.quantize(f32(lo, hi, value), [3], options);
  return { scale: r.scales[0], zeroPoint: r.zeroPoints[0], code: r.codes[2], deq: r.dequantized[2] };
}

test('every number of the prose is the core\'s (JS API in Node)', async () => {
  const shown = await shownNumbers();
  const v1 = quantizeOne(3.6, -10, 10, { bits: 8, scheme: 'symmetric' });
  assertShows(shown, 'v1.scale', v1.scale);
  assertShows(shown, 'v1.ratio', Math.fround(Math.fround(3.6) * Math.fround(1 / v1.scale)));
  assertShows(shown, 'v1.code', v1.code);
  assertShows(shown, 'v1.deq', v1.deq);
  assertShows(shown, 'v1.err', Math.abs(Math.fround(3.6) - v1.deq));
  const v2 = quantizeOne(3, 0, 6, { bits: 8, scheme: 'affine', signed: false });
  assertShows(shown, 'v2.scale', v2.scale);
  assertShows(shown, 'v2.code', v2.code);
  assertShows(shown, 'v2.deq', v2.deq);
  const sym = quantizeOne(1.3, 0, 6, { bits: 4, scheme: 'symmetric' });
  const asym = quantizeOne(1.3, 0, 6, { bits: 4, scheme: 'affine', signed: false });
  for (const [k, r] of [['sym', sym], ['asym', asym]]) {
    assertShows(shown, `${k}.scale`, r.scale);
    assertShows(shown, `${k}.code`, r.code);
    assertShows(shown, `${k}.deq`, r.deq);
  }
  const aff = quantizeOne(3.6, -10, 10, { bits: 8, scheme: 'affine' });
  assertShows(shown, 'aff.zp', aff.zeroPoint);
  assertShows(shown, 'aff.code', aff.code);
  assertShows(shown, 'aff.deq', aff.deq);

  // Floats: fp16/bf16 are casts; FP8 with the format's max in the tensor has scale 1 (a cast).
  assertShows(shown, 'f.fp32', Math.fround(0.1));
  assertShows(shown, 'f.fp16', qp.runScheme(f32(0.1), [1], { format: 'fp16' }).dequantized[0]);
  assertShows(shown, 'f.bf16', qp.runScheme(f32(0.1), [1], { format: 'bf16' }).dequantized[0]);
  assertShows(shown, 'f.e4m3', qp.runScheme(f32(0.1, 448), [2], { format: 'fp8-e4m3' }).dequantized[0]);
  assertShows(shown, 'f.e5m2', qp.runScheme(f32(0.1, 57344), [2], { format: 'fp8-e5m2' }).dequantized[0]);

  // Granularity on the bundled example weight.
  const example = qp.readNpy(readFileSync(path.join(dist, EXAMPLE.file)));
  const at4 = (o) => qp.runScheme(example.data, example.shape, { bits: 4, scheme: 'affine', ...o });
  for (const [key, options] of [['tensor', {}], ['channel', { axis: 0 }], ['group', { axis: 1, groupSize: 32 }]]) {
    const r = at4(options);
    assertShows(shown, `g.${key}`, r.metrics.sqnrDb);
    assertShows(shown, `g.${key}-bpw`, r.bitsPerWeight);
    if (key !== 'tensor') assertShows(shown, `g.${key}-units`, r.units);
  }

  // Calibration and the comparison: the widgets' synthetic tensors (same attributes), runScheme.
  const laplace = makeWidgetTensor({ distribution: 'laplace', seed: 1, size: 65536 });
  for (const [key, calibration] of [['minmax', 'minmax'], ['percentile', 'percentile:99.9'], ['mse', 'mse']])
    assertShows(shown, `cal.${key}`, qp.runScheme(laplace.data, laplace.shape, { bits: 4, scheme: 'affine', calibration }).metrics.sqnrDb);
  const minmax = qp.runScheme(laplace.data, laplace.shape, { bits: 4, scheme: 'affine', calibration: 'minmax' }).integer;
  const zeroCode = minmax.codes.reduce((n, q) => n + (q === minmax.zeroPoints[0]), 0);
  assertShows(shown, 'cal.zero', (100 * zeroCode) / minmax.codes.length);
  const normal = makeWidgetTensor({ distribution: 'normal', seed: 1, size: 65536 });
  for (const [key, options] of [['q4_k', { format: 'q4_k' }], ['q4_0', { format: 'q4_0' }], ['nf4', { format: 'nf4' }],
    ['log2', { format: 'log2', bits: 4, axis: 0 }]])
    assertShows(shown, `cmp.${key}`, qp.runScheme(normal.data, normal.shape, options).metrics.sqnrDb);

  // The worked integer matmul: MatMulInteger, then both requantizations.
  const xq = new Uint8Array([130, 120, 200, 128]), wq = new Int8Array([10, -20, 5, 7]);
  assertShows(shown, 'mm.raw', xq.reduce((s, x, k) => s + x * wq[k], 0));
  const acc = qp.matmulInteger(xq, [1, 4], wq, [4, 1], { aZeroPoint: 128, bZeroPoint: 0 });
  assertShows(shown, 'mm.acc', acc[0]);
  const sxsw = Math.fround(Math.fround(0.02) * Math.fround(0.01));
  const bq = Math.round(0.05 / sxsw);
  assertShows(shown, 'mm.bq', bq);
  const requant = (method) => qp.requantize(acc, [1, 1], { method, multipliers: [Math.fround(sxsw / Math.fround(0.003))],
    bias: new Int32Array([bq]), zeroPoint: 0, qmin: 0, qmax: 255 })[0];
  assertShows(shown, 'mm.scaled', (acc[0] + bq) * Math.fround(sxsw / Math.fround(0.003)));
  assertShows(shown, 'mm.yq', requant('float'));
  assertShows(shown, 'mm.yq-fixed', requant('fixed-point'));
});

test('the network figures are `qplay eval mlp --limit 2000`\'s, and the widget\'s once run', async (t) => {
  const shown = await shownNumbers();
  assertShows(shown, 'net.limit', NET_LIMIT);
  const cli = JSON.parse(execFileSync(process.execPath, [path.join(root, 'web/cli/qplay.mjs'), 'eval', 'mlp', '--limit', String(NET_LIMIT),
    '--json', '--timing-runs', '0'], { encoding: 'utf8' }));
  // The standard modes (web/lib/network_eval.mjs): weight-only runs at 8 bits and at 4 bits in groups.
  const row = (mode, bits = 8) => cli.rows.find((r) => r.mode === mode && (r.bits ?? 8) === bits);
  for (const mode of ['float', 'weight-only', 'dynamic', 'static']) assertShows(shown, `net.${mode}`, row(mode).accuracy * 100);
  assertShows(shown, 'net.ratio', row('float').modelBytes / row('static').modelBytes);
  assert.match(row('weight-only', 4).label, /g32 affine gptq-mse/, 'the int4 row the prose describes (groups of 32, affine, GPTQ, MSE ranges)');
  assertShows(shown, 'net.weight-only-4', row('weight-only', 4).accuracy * 100);
  assertShows(shown, 'net.ratio-4', row('float').modelBytes / row('weight-only', 4).modelBytes);

  // The widget itself, run as a reader would: same accuracies.
  const t0 = Date.now();
  const net = page.locator('figure.widget > qp-network');
  await net.scrollIntoViewIfNeeded();
  await net.locator('button', { hasText: /^Run/ }).click();
  await page.waitForFunction(() => {
    const el = document.querySelector('figure.widget > qp-network');
    return el.result && !el.result.cancelled || el.dataset.state === 'error';
  }, null, { timeout: 60000 });
  const result = await net.evaluate((el) => el.result);
  assert.deepEqual(result.rows.map((r) => r.label), cli.rows.map((r) => r.label), 'the widget runs the CLI\'s modes');
  for (const r of result.rows) {
    const c = cli.rows.find((x) => x.label === r.label);
    assert.equal(r.correct, c.correct, `widget ${r.label}: ${r.correct} correct, the CLI ${c.correct}`);
    assert.equal(r.modelBytes, c.modelBytes, `widget ${r.label}: size`);
  }
  t.diagnostic(`network widget run: ${Date.now() - t0} ms`);
});

test('the numbers under the tensor and comparison widgets are the widgets\' results', async () => {
  const shown = await shownNumbers();
  const sqnr = (selector) => page.$eval(selector, (el) => el.result.metrics.sqnrDb);
  const tensors = 'figure.widget > qp-tensor';
  assertShows(shown, 'cal.minmax', await sqnr(`${tensors}[calibration="minmax"]`));
  assertShows(shown, 'cal.percentile', await sqnr(`${tensors}[calibration^="percentile"]`));
  assertShows(shown, 'cal.mse', await sqnr(`${tensors}[calibration="mse"]`));
  for (const g of ['tensor', 'channel', 'group']) assertShows(shown, `g.${g}`, await sqnr(`${tensors}[granularity="${g}"]`));
  const rows = await page.$eval('figure.widget > qp-compare', (el) => el.result.rows.map((r) =>
    ({ format: r.options.format, groupSize: r.options.groupSize, sqnr: r.metrics.sqnrDb })));
  for (const format of ['q4_k', 'q4_0', 'nf4', 'log2']) {
    const r = rows.find((x) => x.format === format);
    assert.ok(r, `the comparison has ${format}`);
    assertShows(shown, `cmp.${format}`, r.sqnr);
  }
});

test('no number of the prose goes unchecked', async () => {
  const keys = Object.keys(await shownNumbers());
  assert.ok(keys.length >= 40, `the article marks its numbers (${keys.length})`);
  assert.deepEqual(keys.filter((k) => !checkedKeys.has(k)), [], 'numbers marked in the article but checked by no test');
});

/** axe-core's source when the devDependency is installed (QP_AXE_PATH points at another copy). */
function axeSource() {
  try {
    return readFileSync(process.env.QP_AXE_PATH ?? createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    return null;
  }
}

test('axe-core: no serious or critical accessibility violation in the article\'s own content, light and dark', async (t) => {
  const source = axeSource();
  if (!source) return t.skip('axe-core is not installed');
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) does not apply.
  await page.evaluate(source);
  // Every snippet unfolded, so its code blocks are checked too. A node inside a widget's shadow
  // root has a target that is a path of selectors (an array): those belong to the widgets (their
  // own tests check them) and are reported here, not failed.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  const run = () => page.evaluate(async () => {
    const r = await self.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.flatMap((v) => {
      const inShadow = (n) => n.target.some((t) => Array.isArray(t));
      const own = v.nodes.filter((n) => !inShadow(n)), inWidgets = v.nodes.filter(inShadow);
      const entry = (nodes, where) => ({ id: v.id, impact: v.impact, help: v.help, where,
        nodes: nodes.slice(0, 3).map((n) => n.target.flat().join(' › ')) });
      return [...(own.length ? [entry(own, 'article')] : []), ...(inWidgets.length ? [entry(inWidgets, 'widget')] : [])];
    });
  });
  // The check can fail: a nameless button is reported.
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<button type="button" id="axe-probe"></button>'));
  assert.ok((await run()).some((v) => v.id === 'button-name'), 'axe reports a nameless button');
  await page.evaluate(() => document.getElementById('axe-probe').remove());
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const found = await run();
    const failing = (v) => v.where === 'article' && ['serious', 'critical'].includes(v.impact);
    for (const v of found.filter((x) => !failing(x)))
      t.diagnostic(`${scheme}, not failed here: ${v.where} ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join('; ')}`);
    assert.deepEqual(found.filter(failing), [], `${scheme} theme`);
  }
  await page.emulateMedia({ colorScheme: null });
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = false; }));
});

test('a clean console: no errors, no CSP violation, no request to another origin', async () => {
  const { problems } = browser;
  assert.deepEqual(problems.console, [], 'console errors');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.foreign, [], 'requests to other origins');
  const csp = [];
  for (const frame of page.frames()) csp.push(...await frame.evaluate(() => self.__csp ?? []).catch(() => []));
  assert.deepEqual(csp, [], 'CSP violations');
});
