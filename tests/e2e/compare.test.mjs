// Formats, comparisons and the calibration view in headless Chromium, checked against the JS API
// computed in Node on the same bytes: the Format menu is the registry; every format runs through
// runScheme; the Compare tab streams rows with a progress bar, sorts, selects by row, point and
// keyboard, cancels, and goes stale when the tensor changes; the whole-model comparison equals
// the API's per tensor and compare_report.mjs's totals; the calibrators' clipping ranges are drawn
// and a range typed or dragged re-quantizes with runScheme's `clip`. Screenshots to test-results/.
// QP_E2E_LARGE=1 also times "compare all" on the 4096×4096 synthetic tensor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { sourceFromPath } from '../../web/lib/node_sources.mjs';
import { allFloatTensorSelection } from '../../web/lib/export.mjs';
import { optionsForShape, summarizeModelComparison, toRecipe } from '../../web/lib/compare_report.mjs';
import { EXAMPLE } from '../../web/app/tensors.mjs';
import { launchPage, outDir, root, dist } from './browser.mjs';

const CALIBRATIONS = ['minmax', 'moving-average', 'percentile:99.9', 'percentile:99.99', 'mse', 'entropy', 'histogram'];
let browser, page, qp, example, work;

before(async () => {
  qp = await loadQplay();
  example = qp.readNpy(readFileSync(path.join(dist, EXAMPLE.file)));
  work = mkdtempSync(path.join(os.tmpdir(), 'qplay-compare-e2e-'));
  mkdirSync(outDir, { recursive: true });
  browser = await launchPage();
  page = browser.page;
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------------

const errorText = async () => (await page.textContent('#error-text')).replace(/\s+/g, ' ').trim();
const value = (testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');
const shownOptions = async () => JSON.parse(await page.getAttribute('#results', 'data-options'));

/** Wait until the Tensor tab is idle with options matching `want` (a subset); fail on an error. */
async function waitForOptions(want, { timeout = 15000 } = {}) {
  try {
    await page.waitForFunction((want) => {
      if (!document.getElementById('error').hidden) return true;
      const el = document.getElementById('results');
      if (el.dataset.state !== 'idle' || !el.dataset.options) return false;
      const got = JSON.parse(el.dataset.options);
      return Object.entries(want).every(([k, v]) => JSON.stringify(got[k]) === JSON.stringify(v));
    }, want, { timeout });
  } catch (e) {
    const el = await page.evaluate(() => ({ ...document.getElementById('results').dataset }));
    assert.fail(`waiting for options ${JSON.stringify(want)}: the Tensor tab shows ${JSON.stringify(el)} (${e.message})`);
  }
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
}

/** Change a form control the way a user's input does (one 'input' + 'change' event). */
async function setControl(selector, v) {
  await page.evaluate(([selector, v]) => {
    const el = document.querySelector(selector);
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [selector, v]);
}

/** The page's metrics against the API's runScheme with the options the page reports it used. */
async function assertMatchesRunScheme(tensor) {
  const options = await shownOptions();
  const r = qp.runScheme(tensor.data, tensor.shape, options);
  const what = JSON.stringify(options);
  assert.equal(await value('metric-sqnr'), String(r.metrics.sqnrDb), `SQNR for ${what}`);
  assert.equal(await value('metric-mse'), String(r.metrics.mse), `MSE for ${what}`);
  assert.equal(await value('metric-cosine'), String(r.metrics.cosine), `cosine for ${what}`);
  assert.equal(await value('result-label'), r.label);
  assert.equal(await value('result-bpw'), String(r.bitsPerWeight));
  assert.equal(await value('result-units'), String(r.units));
  return r;
}

function probeCalibrations() {
  const x = Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) / 4);
  return CALIBRATIONS.filter((calibration) => {
    try {
      qp.runScheme(x, [16], { format: 'int', bits: 4, calibration });
      return true;
    } catch {
      return false;
    }
  });
}

const tableRows = (table) => page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => Object.fromEntries(
  [...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.dataset.value ?? td.textContent]))));

// ---- tests (run in order, on one page) -------------------------------------------------------

test('the Format menu is the registry; each format runs through runScheme with its own controls', async () => {
  const names = qp.schemes().map((s) => s.name);
  assert.deepEqual(await page.$$eval('#format option', (os) => os.map((o) => o.value)), names);
  await waitForOptions({ format: 'int' });
  await assertMatchesRunScheme(example);
  for (const s of qp.schemes()) {
    await page.selectOption('#format', s.name);
    await waitForOptions({ format: s.name });
    const r = await assertMatchesRunScheme(example);
    assert.equal(await page.isDisabled('#bits'), !(s.minBits > 0), `bits slider for ${s.name}`);
    assert.equal(await page.isDisabled('input[name="granularity"][value="channel"]'), !s.takesGranularity, `granularity for ${s.name}`);
    assert.equal(await page.isDisabled('input[name="scheme"][value="symmetric"]'), s.name !== 'int', `grid options for ${s.name}`);
    assert.equal(await page.isDisabled('#calibration'), !(s.takesCalibration && probeCalibrations().length > 1),
      `calibration for ${s.name}`);
    // The grid drawn is the scheme's: its levels are in the chart's description.
    if (r.levels.length) assert.match(await page.getAttribute('#chart', 'aria-label'), new RegExp(`with ${r.levels.length} quantization levels`));
    assert.match(await page.getAttribute('#error-chart', 'aria-label'), /^Histogram of the error/);
  }
});

test('nf4 double quantization and the float formats\' saturation are options of their own formats only', async () => {
  await page.selectOption('#format', 'nf4');
  await waitForOptions({ format: 'nf4', doubleQuant: false });
  assert.equal(await page.isDisabled('#saturate'), true);
  const plain = await assertMatchesRunScheme(example);
  await page.check('#double-quant');
  await waitForOptions({ format: 'nf4', doubleQuant: true });
  const dq = await assertMatchesRunScheme(example);
  assert.ok(dq.bitsPerWeight < plain.bitsPerWeight, `double quant stores fewer bits: ${dq.bitsPerWeight} < ${plain.bitsPerWeight}`);
  await page.selectOption('#format', 'fp8-e4m3');
  await waitForOptions({ format: 'fp8-e4m3', doubleQuant: false, saturate: true });
  assert.equal(await page.isDisabled('#double-quant'), true);
  await page.uncheck('#saturate');
  await waitForOptions({ format: 'fp8-e4m3', saturate: false });
  await assertMatchesRunScheme(example);
  await page.check('#saturate');
  await waitForOptions({ format: 'fp8-e4m3', saturate: true });
  await page.selectOption('#format', 'int');
  await waitForOptions({ format: 'int', doubleQuant: false, saturate: true });
});

test('per group: the unit slider, the per-unit error chart and its tooltip name the group', async () => {
  await page.selectOption('#format', 'int');
  await page.check('input[name="granularity"][value="group"]');
  assert.equal(await page.inputValue('#axis'), '1', 'groups start on the last axis');
  await setControl('#group-size', 32);
  await page.check('input[name="scheme"][value="symmetric"]');
  await setControl('#bits', 4);
  await waitForOptions({ format: 'int', axis: 1, groupSize: 32, bits: 4, scheme: 'symmetric' });
  const r = await assertMatchesRunScheme(example);
  assert.equal(r.units, EXAMPLE.rows * (EXAMPLE.cols / 32));
  assert.match(await page.getAttribute('#chart', 'aria-label'), /with 16 quantization levels/);
  assert.equal(await page.isVisible('#channel'), true);
  await page.fill('#channel', '17');
  await page.waitForFunction(() => document.getElementById('results').dataset.channel === '17' &&
    document.getElementById('results').dataset.state === 'idle');
  assert.equal(await page.getAttribute('[data-testid="param-scale"]', 'data-value'), String(r.integer.scales[17]));
  assert.match(await page.textContent('#chart-title'), /group 1 of row 1 \(values 32–63 along axis 1\)/);
  // Largest per-unit MSE named in the description; hovering names a unit.
  const worst = r.unitMse.reduce((b, v, i) => (v > r.unitMse[b] ? i : b), 0);
  assert.match(await page.getAttribute('#unit-chart', 'aria-label'), /MSE of 4,096 units/);
  const box = await page.locator('#unit-chart .u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.waitForFunction(() => Boolean(document.getElementById('unit-chart').dataset.tip));
  const tip = await page.getAttribute('#unit-chart', 'data-tip');
  assert.match(tip, /^units [\d,]+–[\d,]+, largest MSE at unit [\d,]+: group \d+ of row \d+ .*MSE/);
  // Clicking shows that unit (the worst of the run) in the histogram; its MSE is the core's.
  const unit = Number(tip.match(/largest MSE at unit ([\d,]+)/)[1].replace(/,/g, ''));
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.waitForFunction((u) => document.getElementById('results').dataset.channel === String(u) &&
    document.getElementById('results').dataset.state === 'idle', unit);
  const tipMse = Number(tip.match(/MSE ([-\d.e]+)$/)[1]);
  assert.ok(Math.abs(tipMse - r.unitMse[unit]) <= 1e-3 * r.unitMse[unit], `tooltip MSE ${tipMse} vs ${r.unitMse[unit]}`);
  assert.equal(await page.getAttribute('[data-testid="param-scale"]', 'data-value'), String(r.integer.scales[unit]));
  // The chart's description names the worst unit of the whole tensor.
  assert.match(await page.getAttribute('#unit-chart', 'aria-label'), new RegExp(`largest MSE at unit ${worst.toLocaleString('en-US')}:`));
  await page.screenshot({ path: path.join(outDir, 'tensor-groups.png'), fullPage: true });
});

test('calibration view: each calibrator\'s range is drawn; typed and dragged clip ranges re-quantize', async () => {
  await page.check('input[name="granularity"][value="tensor"]');
  await page.check('input[name="scheme"][value="affine"]');
  await setControl('#bits', 4);
  await waitForOptions({ format: 'int', axis: null, bits: 4, scheme: 'affine', clip: null });
  const available = probeCalibrations();
  assert.deepEqual(await page.$$eval('#calibration option', (os) => os.map((o) => o.value)), available);
  // The markers follow the result (asked for once it is drawn): a new grid shows 'pending' first.
  await page.waitForFunction(() => document.getElementById('results').dataset.markers === 'ready');
  const markers = await page.$$eval('[data-testid="calib-markers"] li', (lis) => lis.map((li) =>
    ({ name: li.dataset.name, lo: li.dataset.lo, hi: li.dataset.hi })));
  assert.deepEqual(markers.map((m) => m.name), available);
  for (const m of markers) {
    const r = qp.runScheme(example.data, example.shape, { ...await shownOptions(), calibration: m.name, clip: null });
    const s = r.integer.scales[0], zp = r.integer.zeroPoints[0];
    assert.equal(m.lo, String(Math.fround((r.integer.qmin - zp) * s)), `${m.name} lo`);
    assert.equal(m.hi, String(Math.fround((r.integer.qmax - zp) * s)), `${m.name} hi`);
  }
  assert.equal(await page.isVisible('[data-testid="clip-tools"]'), true);
  const mseBefore = Number(await value('metric-mse'));

  // Keyboard: type a narrower range into the two inputs.
  await page.focus('#clip-hi');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('0.1');
  await page.focus('#clip-lo');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('-0.1');
  await waitForOptions({ clip: [Math.fround(-0.1), Math.fround(0.1)] });
  const typed = await assertMatchesRunScheme(example);
  const mseTyped = Number(await value('metric-mse'));
  assert.notEqual(mseTyped, mseBefore, 'the typed clip range changed the MSE');
  assert.match(await value('result-label'), / clip /);
  assert.equal(await page.isDisabled('#clip-reset'), false);

  // Pointer: drag the upper handle to the right; the range and the MSE follow.
  // The handles sit on the grid's real range: the requested one after the zero point's nudge.
  const handles = await page.evaluate(() => JSON.parse(document.getElementById('chart').dataset.clip));
  const { scales: [s0], zeroPoints: [zp0], qmin, qmax } = typed.integer;
  assert.deepEqual(handles, [Math.fround((qmin - zp0) * s0), Math.fround((qmax - zp0) * s0)]);
  const over = await page.locator('#chart .u-over').boundingBox();
  const [, hiPx] = JSON.parse(await page.getAttribute('#chart', 'data-handles'));
  const xOf = () => over.x + hiPx;
  await page.mouse.move(xOf(Math.fround(0.1)), over.y + over.height / 2);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) await page.mouse.move(xOf(Math.fround(0.1)) + 6 * k, over.y + over.height / 2);
  await page.mouse.up();
  await page.waitForFunction(() => {
    const el = document.getElementById('results');
    const clip = JSON.parse(el.dataset.options).clip;
    return el.dataset.state === 'idle' && clip && clip[1] > 0.1001;
  });
  const dragged = (await shownOptions()).clip;
  assert.equal(dragged[0], Math.fround(-0.1), 'the lower handle stayed where it was typed');
  await assertMatchesRunScheme(example);
  assert.notEqual(Number(await value('metric-mse')), mseTyped, 'the dragged range changed the MSE');
  assert.equal(await page.inputValue('#clip-hi'), String(dragged[1]));
  await page.screenshot({ path: path.join(outDir, 'calibration.png'), fullPage: false });

  await page.click('#clip-reset');
  await waitForOptions({ clip: null, calibration: 'minmax' });
  assert.equal(Number(await value('metric-mse')), mseBefore);
});

/** Run the Compare tab's checked schemes; resolves with the row counts seen while it ran. */
async function runCompare({ cancelAfterRows = 0 } = {}) {
  await page.click('[data-testid="tab-compare"]');
  await page.evaluate(() => {
    self.__rowsSeen = [];
    self.__progressSeen = false;
    const panel = document.getElementById('panel-compare');
    new MutationObserver(() => self.__rowsSeen.push(Number(panel.dataset.rows)))
      .observe(panel, { attributes: true, attributeFilter: ['data-rows'] });
    const box = document.getElementById('compare-progress');
    new MutationObserver(() => { if (!box.hidden) self.__progressSeen = true; })
      .observe(box, { attributes: true, attributeFilter: ['hidden'] });
  });
  await page.click('[data-testid="compare-run"]');
  if (cancelAfterRows) {
    await page.waitForFunction((n) => Number(document.getElementById('panel-compare').dataset.rows) >= n, cancelAfterRows);
    await page.click('[data-testid="compare-cancel"]');
  }
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('panel-compare').dataset.state),
    null, { timeout: 120000 });
  return page.evaluate(() => ({ rows: self.__rowsSeen, progress: self.__progressSeen }));
}

test('Compare: default set streams into a table and scatter equal to the API; sort; select by row, key and point', async () => {
  await page.selectOption('#format', 'int');
  await waitForOptions({ format: 'int' });
  const defaults = qp.defaultComparison(example.shape);
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-defaults"]');
  const checked = await page.$$eval('#compare-list input:checked', (xs) => xs.length);
  assert.equal(checked, defaults.length);
  // Every registry format is offered (those outside the default set unchecked).
  const offered = new Set(await page.$$eval('#compare-list input', (xs) => xs.map((x) => JSON.parse(x.dataset.key).format)));
  for (const s of qp.schemes()) assert.ok(offered.has(s.name), `${s.name} is offered`);

  const seen = await runCompare();
  assert.equal(await page.getAttribute('#panel-compare', 'data-state'), 'done');
  assert.ok(seen.progress, 'the progress bar was shown');
  assert.ok(seen.rows.length >= 2 && seen.rows.at(-1) === defaults.length, `rows streamed in: ${seen.rows}`);
  const api = qp.compareSchemes(example.data, example.shape, defaults);
  const rows = await tableRows('#compare-table');
  assert.equal(rows.length, api.length);
  for (const [i, a] of api.entries()) {
    const r = rows[i];
    assert.equal(r.label, a.label);
    assert.equal(r.sqnr, a.error ? '' : String(a.metrics.sqnrDb), `SQNR of ${a.label}`);
    assert.equal(r.mse, a.error ? '' : String(a.metrics.mse), `MSE of ${a.label}`);
    assert.equal(r.bpw, a.error ? '' : String(a.bitsPerWeight), `bits/weight of ${a.label}`);
    assert.equal(r.pareto, String(a.pareto), `Pareto flag of ${a.label}`);
  }
  const points = JSON.parse(await page.getAttribute('#compare-chart', 'data-points'));
  assert.equal(points.length, api.filter((a) => !a.error).length);
  const front = api.filter((a) => a.pareto).map((a) => a.label).join(', ');
  assert.ok((await page.getAttribute('#compare-chart', 'aria-label')).endsWith(`Pareto front: ${front}.`));
  // MSE on the vertical axis: same points, other heights (lower MSE = lower on the chart).
  await page.selectOption('#compare-metric', 'mse');
  assert.match(await page.getAttribute('#compare-chart', 'aria-label'), /MSE against bits per weight/);
  const byMse = JSON.parse(await page.getAttribute('#compare-chart', 'data-points'));
  const height = new Map(byMse.map(([i, , py]) => [i, py]));
  const ok = api.map((a, i) => [a, i]).filter(([a]) => !a.error && a.metrics.mse > 0);
  for (const [a, i] of ok) for (const [b, j] of ok) {
    if (a.metrics.mse < b.metrics.mse) assert.ok(height.get(i) >= height.get(j), `${a.label} is drawn below ${b.label}`);
  }
  await page.selectOption('#compare-metric', 'sqnr');

  // Sort by SQNR (ascending, then descending).
  await page.click('#compare-table th button[data-sort-key="sqnr"]');
  let sqnrs = (await tableRows('#compare-table')).map((r) => Number(r.sqnr));
  assert.deepEqual(sqnrs, [...sqnrs].sort((a, b) => a - b));
  await page.click('#compare-table th button[data-sort-key="sqnr"]');
  sqnrs = (await tableRows('#compare-table')).map((r) => Number(r.sqnr));
  assert.deepEqual(sqnrs, [...sqnrs].sort((a, b) => b - a));
  await page.screenshot({ path: path.join(outDir, 'compare.png'), fullPage: true });

  // Keyboard: focus the best scheme's name and press Enter: the Tensor tab shows it.
  const best = api.filter((a) => !a.error).sort((a, b) => b.metrics.sqnrDb - a.metrics.sqnrDb)[0];
  await page.focus('#compare-table tbody tr:first-child button');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('[data-testid="tab-tensor"]', 'aria-selected'), 'true');
  await waitForOptions({ format: best.options.format, axis: best.options.axis, groupSize: best.options.groupSize });
  assert.equal(await value('metric-sqnr'), String(best.metrics.sqnrDb));
  assert.equal(await value('result-label'), best.label);

  // Pointer on the scatter: the 4-bit per-group int point.
  await page.click('[data-testid="tab-compare"]');
  const target = api.findIndex((a) => a.options.format === 'int' && a.options.bits === 4 && a.options.groupSize === 32);
  const [, x, y] = JSON.parse(await page.getAttribute('#compare-chart', 'data-points')).find(([i]) => i === target);
  // The checklist grows with the registry: bring the chart into the viewport before aiming at it.
  await page.locator('#compare-chart canvas').scrollIntoViewIfNeeded();
  const canvas = await page.locator('#compare-chart canvas').boundingBox();
  await page.mouse.click(canvas.x + x, canvas.y + y);
  await waitForOptions({ format: 'int', bits: 4, groupSize: 32 });
  assert.equal(await value('metric-sqnr'), String(api[target].metrics.sqnrDb));
  assert.equal(await page.getAttribute('#compare-results', 'data-selected'), api[target].label);
  assert.equal(await page.getAttribute('#compare-results', 'data-stale'), 'false');
});

test('Compare: the results go stale when the tensor changes; Cancel stops a long run', async () => {
  await page.selectOption('#source', 'synthetic:normal');
  await page.waitForFunction(() => document.getElementById('results').dataset.source === 'synthetic:normal' &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 20000 });
  assert.equal(await page.getAttribute('#compare-results', 'data-stale'), 'true');
  await page.click('[data-testid="tab-compare"]');
  assert.equal(await page.isVisible('[data-testid="compare-stale"]'), true);
  await page.click('[data-testid="compare-every"]');
  const total = await page.$$eval('#compare-list input:checked', (xs) => xs.length);
  const t0 = Date.now();
  const seen = await runCompare({ cancelAfterRows: 1 });
  assert.equal(await page.getAttribute('#panel-compare', 'data-state'), 'cancelled');
  const done = seen.rows.at(-1);
  assert.ok(done >= 1 && done < total, `cancelled after ${done} of ${total} schemes`);
  assert.match(await page.textContent('[data-testid="compare-status"]'), /cancelled after \d+ of \d+ schemes/);
  assert.equal(await page.getAttribute('#compare-results', 'data-stale'), 'false');
  assert.ok(Date.now() - t0 < 60000);
  // The page still answers.
  await page.click('[data-testid="tab-tensor"]');
  await setControl('#bits', 5);
  await waitForOptions({ bits: 5 });
});

test('a scheme that refuses the tensor is a row error, not a frozen page', async () => {
  // An added setting (groups along axis 1) stays in the checklist when a vector is loaded: the
  // vector has no axis 1, the core refuses it, and the refusal is that row's error.
  await page.click('[data-testid="tab-tensor"]');
  await page.check('input[name="granularity"][value="group"]');
  await page.selectOption('#axis', '1');
  await setControl('#group-size', 32);
  await waitForOptions({ axis: 1, groupSize: 32 });
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-add"]');
  const data = new Float32Array([0.5, -1.25, 2]);
  await page.setInputFiles('[data-testid="file-input"]', { name: 'tiny.npy', mimeType: 'application/octet-stream',
    buffer: Buffer.from(qp.encodeNpy(data, [3])) });
  await page.waitForFunction(() => document.getElementById('results').dataset.source === 'file' &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-every"]');
  await runCompare();
  assert.equal(await page.getAttribute('#panel-compare', 'data-state'), 'done');
  const rows = await tableRows('#compare-table');
  const keys = await page.$$eval('#compare-list input:checked', (xs) => xs.map((x) => JSON.parse(x.dataset.key)));
  const api = qp.compareSchemes(data, [3], keys);
  assert.equal(rows.length, api.length);
  for (const [i, a] of api.entries()) assert.equal(rows[i].error, a.error ?? '', `error of ${a.label}`);
  assert.ok(api.some((a) => a.error), 'the added per-group setting is refused on a vector');
  assert.equal(await page.isVisible('[data-testid="error"]'), false);
  await page.click('[data-testid="tab-tensor"]');
  await page.check('input[name="granularity"][value="tensor"]');
});

test('a NaN file with a float format chosen: the format\'s message, the previous tensor stays', async () => {
  await page.click('[data-testid="tab-tensor"]');
  await page.selectOption('#format', 'fp16');
  await waitForOptions({ format: 'fp16' });
  const shapeBefore = await value('stat-shape');
  const bytes = qp.encodeNpy(new Float32Array([1, Number.NaN, 2]), [3]);
  const expected = (() => {
    try {
      qp.runScheme(new Float32Array([1, Number.NaN, 2]), [3], { format: 'fp16' });
    } catch (e) {
      return e.message;
    }
    return assert.fail('fp16 should refuse NaN');
  })();
  await page.setInputFiles('[data-testid="file-input"]', { name: 'nan.npy', mimeType: 'application/octet-stream',
    buffer: Buffer.from(bytes) });
  await page.waitForFunction(() => !document.getElementById('error').hidden &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 10000 });
  assert.ok((await errorText()).includes(expected), `"${await errorText()}" names fp16's refusal "${expected}"`);
  assert.equal(await value('stat-shape'), shapeBefore, 'the previous tensor is still shown');
  await page.click('#error-close');
  await page.selectOption('#format', 'int');
  await waitForOptions({ format: 'int' });
});

test('whole-model comparison: per tensor equal to the API, per scheme equal to compare_report.mjs; Cancel', async () => {
  const file = path.join(root, 'tests/fixtures/safetensors/all_dtypes.safetensors');
  // Back to a matrix so the checklist is the default set for a [256, 512] weight.
  await page.selectOption('#source', 'example');
  await page.waitForFunction(() => document.getElementById('results').dataset.source === 'example' &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-defaults"]');
  const checked = await page.$$eval('#compare-list input:checked', (xs) => xs.map((x) =>
    ({ options: JSON.parse(x.dataset.key), label: x.closest('label').dataset.label })));
  // Schemes without an axis keep the checklist's name in the summary.
  const recipes = checked.map(({ options, label }) => {
    const recipe = toRecipe(options, 2);
    return recipe.axisRole === null ? { ...recipe, name: label } : recipe;
  });

  const api = qp.openModel([sourceFromPath(file)]);
  await page.setInputFiles('[data-testid="file-input"]', file);
  await page.waitForFunction(() => document.getElementById('panel-model').dataset.token, null, { timeout: 10000 });
  await page.click('[data-testid="tab-model"]');
  await page.click('[data-testid="model-compare-run"]');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(
    document.getElementById('model-compare-section').dataset.state), null, { timeout: 60000 });
  assert.equal(await page.getAttribute('#model-compare-section', 'data-state'), 'done');

  const names = allFloatTensorSelection(api.tensors);
  const tensors = names.map((name) => {
    const info = api.tensors.find((t) => t.name === name);
    try {
      return { name, shape: info.shape, parameters: info.parameters,
        rows: api.compareTensor(name, recipes.map((r) => optionsForShape(r, info.shape))) };
    } catch (e) {
      return { name, shape: info.shape, parameters: info.parameters, error: e.message };
    }
  });
  const rows = await tableRows('#model-compare-table');
  assert.equal(rows.length, names.length * recipes.length);
  for (const t of tensors) {
    const mine = rows.filter((r) => r.name === t.name);
    assert.equal(mine.length, recipes.length, t.name);
    mine.forEach((r, k) => {
      const a = t.rows?.[k];
      if (t.error || a.error) assert.equal(r.error, t.error ?? a.error, `${t.name} × ${k}`);
      else assert.equal(r.sqnr, String(a.metrics.sqnrDb), `SQNR of ${t.name} × ${a.label}`);
    });
  }
  assert.ok(rows.some((r) => r.error), 'the NaN tensor is listed with its error');
  const summary = summarizeModelComparison(tensors, recipes);
  const shown = await tableRows('#model-compare-summary');
  assert.equal(shown.length, summary.length);
  summary.forEach((s, k) => {
    assert.equal(shown[k].scheme, s.label);
    assert.equal(shown[k].bits, String(s.totalBits), `total bits of ${s.label}`);
    assert.equal(shown[k].mb, String(s.totalMB), `total MB of ${s.label}`);
    assert.equal(shown[k].wsqnr, String(s.weightedSqnrDb), `weighted SQNR of ${s.label}`);
    assert.equal(shown[k].failed, String(s.failed));
  });
  await page.screenshot({ path: path.join(outDir, 'model-compare.png'), fullPage: true });

  // Cancel: 24 tensors of 1M values.
  const big = [];
  for (let i = 0; i < 24; i++) {
    const data = new Float32Array(1 << 20);
    for (let k = 0; k < data.length; k++) data[k] = Math.sin(k * 0.001 + i);
    big.push({ name: `layer.${i}.weight`, shape: [1024, 1024], data });
  }
  const bigFile = path.join(work, 'big.safetensors');
  writeFileSync(bigFile, qp.encodeSafetensors(big));
  const token = await page.getAttribute('#panel-model', 'data-token');
  await page.setInputFiles('[data-testid="file-input"]', bigFile);
  await page.waitForFunction((t) => document.getElementById('panel-model').dataset.token !== t, token, { timeout: 10000 });
  await page.click('[data-testid="tab-model"]');
  await page.click('[data-testid="model-compare-run"]');
  await page.waitForFunction(() => !document.getElementById('model-compare-progress').hidden, null, { timeout: 20000 });
  await page.click('[data-testid="model-compare-cancel"]');
  await page.waitForFunction(() => document.getElementById('model-compare-section').dataset.state === 'cancelled', null, { timeout: 30000 });
  assert.match(await page.textContent('[data-testid="model-compare-status"]'), /cancelled/);
  assert.equal(await page.isVisible('[data-testid="model-compare-report"]'), false);
});

test('phone width (375 px): the Tensor, Compare and Model tabs fit', async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  for (const tab of ['tab-compare', 'tab-model', 'tab-tensor']) {
    await page.click(`[data-testid="${tab}"]`);
    await page.waitForTimeout(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${tab}: the page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: path.join(outDir, `phone-${tab}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('4096×4096: compare the default set (QP_E2E_LARGE=1)', { skip: !process.env.QP_E2E_LARGE }, async (t) => {
  const t0 = Date.now();
  await page.click('[data-testid="tab-tensor"]');
  await page.selectOption('#source', 'synthetic:normal4096');
  await page.waitForFunction(() => document.getElementById('results').dataset.source === 'synthetic:normal4096' &&
    document.getElementById('results').dataset.state === 'idle', null, { timeout: 300000 });
  const loadMs = Date.now() - t0;
  const runMs = Number(await value('run-ms'));
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="compare-defaults"]');
  const n = await page.$$eval('#compare-list input:checked', (xs) => xs.length);
  const t1 = Date.now();
  await runCompare();
  const compareMs = Date.now() - t1;
  assert.equal(await page.getAttribute('#panel-compare', 'data-state'), 'done');
  const rows = await tableRows('#compare-table');
  t.diagnostic(`4096x4096: generate + show ${loadMs} ms (runScheme ${runMs.toFixed(0)} ms); compare ${n} default schemes ${compareMs} ms; ` +
    `per scheme: ${rows.map((r) => `${r.label} ${Number(r.ms).toFixed(0)} ms`).join('; ')}`);
});

test('no console errors, page errors, CSP violations or requests to other origins', async () => {
  const { problems } = browser;
  problems.csp = await page.evaluate(() => self.__csp);
  assert.deepEqual(problems.foreign, [], 'requests to other origins');
  assert.deepEqual(problems.csp, [], 'CSP violations');
  assert.deepEqual(problems.pageErrors, [], 'page errors');
  assert.deepEqual(problems.console, [], 'console errors');
});
