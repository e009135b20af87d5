// The Network tab in headless Chromium: the bundled MLP evaluated in every mode on the first 300
// test images (timing off), each row's accuracy, size and confusion matrix equal to the CLI's
// `qplay eval mlp --limit 300 --json --timing-runs 0` run here (same core, same data); the
// disagreement gallery; Cancel; the drawing pad's prediction per mode; a refused network file
// keeping the previous network and table; the user's IDX test data; the bit-width curve against
// the same sweep run in Node; phone width in light and dark; a clean console.
// Needs dist/ (`node scripts/build.mjs`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { NetworkHandle } from '../../web/lib/network.mjs';
import { BUNDLED, CALIBRATION_SAMPLES, idxDataset } from '../../web/lib/datasets.mjs';
import { bitWidthCurve } from '../../web/lib/network_sweeps.mjs';
import { launchPage, outDir, root } from './browser.mjs';

const LIMIT = 300;
const HAS_QAT = typeof NetworkHandle.prototype.startQat === 'function';
const publicFile = (p) => path.join(root, 'web/public', p);
let browser, page, work, cli, mlpName;

before(async () => {
  mkdirSync(outDir, { recursive: true });
  work = mkdtempSync(path.join(os.tmpdir(), 'qplay-network-e2e-'));
  // The CLI's table, computed natively in Node from the same files the page fetches.
  cli = JSON.parse(execFileSync(process.execPath, [path.join(root, 'web/cli/qplay.mjs'), 'eval', 'mlp', '--limit', String(LIMIT),
    '--json', '--timing-runs', '0'], { encoding: 'utf8' }));
  // The name the core gives the bundled MLP (the page shows it).
  const qp = await loadQplay();
  const mlp = qp.loadNetwork(new Uint8Array(readFileSync(publicFile(BUNDLED.models.mlp))), 'mlp.safetensors');
  mlpName = mlp.info.name;
  mlp.release();
  browser = await launchPage();
  page = browser.page;
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const state = () => page.getAttribute('#panel-network', 'data-state');
const waitState = (states, timeout = 30000) => page.waitForFunction((states) =>
  states.includes(document.getElementById('panel-network').dataset.state), states, { timeout });

function tableRows() {
  return page.$$eval('#net-table tbody tr', (trs) => trs.map((tr) => {
    const v = (col) => tr.querySelector(`[data-col="${col}"]`).dataset.value;
    return { label: tr.dataset.mode, accuracy: Number(v('accuracy')), correct: Number(v('correct')), delta: v('delta'),
      size: Number(v('size')), latency: v('latency') };
  }));
}

async function evaluate({ limit = String(LIMIT), timing = '0' } = {}) {
  await page.selectOption('[data-testid="net-limit"]', limit);
  await page.selectOption('[data-testid="net-timing"]', timing);
  await page.click('[data-testid="net-run"]');
  await waitState(['done', 'failed', 'cancelled'], 40000);
  assert.equal(await state(), 'done', await page.textContent('[data-testid="net-status"]'));
}

async function draw(points) {
  await page.locator('#net-pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#net-pad').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 6 });
  await page.mouse.up();
}

test('the Network tab opens with the keyboard and loads the bundled MLP', async () => {
  await page.focus('[data-testid="tab-tensor"]');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-testid="tab-network"]', 'aria-selected'), 'true');
  assert.ok(await page.isVisible('[data-testid="network-view"]'));
  await waitState(['ready', 'empty']);
  assert.equal(await state(), 'ready', await page.textContent('[data-testid="net-error"]'));
  assert.equal(await page.getAttribute('[data-testid="net-name"]', 'data-value'), mlpName);
  assert.equal(await page.getAttribute('[data-testid="net-data"]', 'data-value'), '10000');
  assert.equal(await page.getAttribute('[data-testid="net-build"]', 'data-value'), cli.build);
  assert.equal(await page.isVisible('[data-testid="net-qat"]'), HAS_QAT, 'the QAT section shows iff the core has the trainer');
});

test('every mode on 300 test images: the table equals the CLI\'s, rows stream in, a row shows its confusion matrix', async (t) => {
  const t0 = Date.now();
  // Keyboard: Tab reaches the Evaluate button from the timing option's neighbours; Enter runs.
  await page.selectOption('[data-testid="net-limit"]', String(LIMIT));
  await page.selectOption('[data-testid="net-timing"]', '0');
  await page.focus('[data-testid="net-run"]');
  assert.notEqual(await page.$eval('#net-run', (b) => getComputedStyle(b).outlineStyle), 'none', 'visible focus');
  await page.keyboard.press('Enter');
  await waitState(['done', 'failed', 'cancelled'], 40000);
  assert.equal(await state(), 'done', await page.textContent('[data-testid="net-status"]'));
  t.diagnostic(`evaluation of ${cli.rows.length} modes on ${LIMIT} images: ${Date.now() - t0} ms`);
  const rows = await tableRows();
  assert.deepEqual(rows.map((r) => r.label), cli.rows.map((r) => r.label));
  for (const [i, r] of rows.entries()) {
    const c = cli.rows[i];
    assert.equal(r.accuracy, c.accuracy, `${r.label}: accuracy`);
    assert.equal(r.correct, c.correct, `${r.label}: correct`);
    assert.equal(r.size, c.modelBytes, `${r.label}: model size`);
    assert.ok(Math.abs(Number(r.delta) - c.deltaPp) < 1e-9, `${r.label}: Δ ${r.delta} vs ${c.deltaPp}`);
    assert.equal(r.latency, '', 'timing off');
  }
  assert.equal(await page.getAttribute('#panel-network', 'data-count'), String(LIMIT));

  // The first quantized row was selected as it arrived; choose the static int8 row with the keyboard.
  const last = cli.rows.length - 1;
  await page.focus(`#net-table tbody tr[data-index="${last}"] button`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((label) => document.getElementById('net-detail').dataset.mode === label, cli.rows[last].label);
  const confusion = await page.$$eval('#net-confusion td', (tds) => tds.map((td) => Number(td.dataset.value)));
  assert.deepEqual(confusion, cli.rows[last].confusion, 'confusion matrix');
  // The gallery: as many images as float32 and this mode disagree on (at most 40 shown).
  await page.waitForFunction(() => document.getElementById('net-gallery').dataset.total !== undefined);
  const total = Number(await page.getAttribute('#net-gallery', 'data-total'));
  const shown = await page.$$eval('#net-gallery li', (lis) => lis.length);
  assert.equal(shown, Math.min(total, 40));
  if (shown) assert.match(await page.textContent('#net-gallery li'), /true: .*float32: .*static int8: /);
  // The float32 row shows float32's mistakes: 300 − correct of them.
  await page.click('#net-table tbody tr[data-index="0"] td[data-col="accuracy"]');
  await page.waitForFunction((n) => document.getElementById('net-detail').dataset.mode === 'float32' &&
    document.getElementById('net-gallery').dataset.total === String(n), LIMIT - cli.rows[0].correct);
  await page.screenshot({ path: path.join(outDir, 'network.png'), fullPage: true });
});

test('Cancel stops an evaluation between chunks; the tab can run again', async () => {
  await page.selectOption('[data-testid="net-limit"]', 'all');
  await page.selectOption('[data-testid="net-timing"]', '200');
  await page.click('[data-testid="net-run"]');
  await page.waitForFunction(() => document.getElementById('panel-network').dataset.state === 'running' &&
    !document.getElementById('net-progress').hidden);
  const t0 = Date.now();
  await page.click('[data-testid="net-cancel"]');
  await waitState(['cancelled', 'done', 'failed'], 10000);
  assert.equal(await state(), 'cancelled');
  assert.ok(Date.now() - t0 < 3000, `cancelled after ${Date.now() - t0} ms`);
  assert.match(await page.textContent('[data-testid="net-status"]'), /cancelled after \d of 5 modes/);
  assert.equal(await page.isDisabled('[data-testid="net-run"]'), false);
});

test('the drawing pad gives a prediction per mode', async () => {
  await evaluate();  // back to a full table for the next test
  await draw([[0.3, 0.15], [0.7, 0.15], [0.75, 0.85], [0.25, 0.85], [0.3, 0.15]]);
  await page.waitForFunction(() => Number(document.getElementById('net-pad-predictions').dataset.count) > 0, null, { timeout: 10000 });
  const predictions = await page.$$eval('#net-pad-predictions li', (lis) => lis.map((li) => ({
    mode: li.dataset.mode, top: Number(li.dataset.top), p: Number(li.dataset.probability),
    text: li.querySelector('.pad-class').textContent })));
  assert.deepEqual(predictions.map((p) => p.mode), cli.rows.map((r) => r.label));
  for (const p of predictions) {
    assert.ok(p.top >= 0 && p.top < 10 && p.p >= 0.1 && p.p <= 1, JSON.stringify(p));
    assert.ok(p.text.length > 0);
  }
  await page.click('[data-testid="net-pad-clear"]');
  assert.equal(await page.getAttribute('#net-pad-predictions', 'data-count'), '0');
});

test('a refused network file shows the core\'s message; the previous network and table stay', async () => {
  const before = await tableRows();
  const bad = path.join(work, 'broken.safetensors');
  writeFileSync(bad, Buffer.from('this is not a safetensors file at all'));
  await page.setInputFiles('[data-testid="net-file"]', bad);
  await page.waitForFunction(() => !document.getElementById('net-error').hidden, null, { timeout: 10000 });
  assert.match(await page.textContent('[data-testid="net-error"]'), /^Could not open broken\.safetensors: \S/);
  assert.equal(await page.getAttribute('[data-testid="net-name"]', 'data-value'), mlpName);
  assert.equal(await page.inputValue('[data-testid="net-model"]'), 'mlp');
  assert.deepEqual(await tableRows(), before);
  assert.ok(await page.isVisible('[data-testid="net-results"]'));

  const onnx = path.join(work, 'model.onnx');
  writeFileSync(onnx, Buffer.from([0x08, 0x07, 0x12, 0x00]));
  await page.setInputFiles('[data-testid="net-file"]', onnx);
  await page.waitForFunction(() => /model\.onnx/.test(document.getElementById('net-error').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('[data-testid="net-error"]'), /ONNX/);
  assert.deepEqual(await tableRows(), before);
});

test('the user\'s IDX test data (plain, not gzipped) replaces the test set; the table then matches the CLI on it', async () => {
  // The first 120 test images and labels as plain IDX files.
  const n = 120;
  const images = gunzipSync(readFileSync(publicFile(BUNDLED.test.images)));
  const labels = gunzipSync(readFileSync(publicFile(BUNDLED.test.labels)));
  const head = (buf, headerBytes, itemBytes) => {
    const out = Buffer.from(buf.subarray(0, headerBytes + n * itemBytes));
    out.writeUInt32BE(n, 4);
    return out;
  };
  const imagesFile = path.join(work, 'mine-images.idx3-ubyte'), labelsFile = path.join(work, 'mine-labels.idx1-ubyte');
  writeFileSync(imagesFile, head(images, 16, 784));
  writeFileSync(labelsFile, head(labels, 8, 1));
  await page.setInputFiles('[data-testid="net-data-file"]', [labelsFile, imagesFile]);
  await page.waitForFunction((n) => document.getElementById('net-data').dataset.value === String(n), n, { timeout: 10000 });
  assert.equal(await page.isVisible('[data-testid="net-error"]'), false, await page.textContent('[data-testid="net-error"]'));
  assert.equal(await page.isVisible('[data-testid="net-results"]'), false, 'results of the other data are gone');
  await evaluate({ limit: 'all' });
  const mine = JSON.parse(execFileSync(process.execPath, [path.join(root, 'web/cli/qplay.mjs'), 'eval', 'mlp', '--data', imagesFile,
    '--labels', labelsFile, '--json', '--timing-runs', '0'], { encoding: 'utf8' }));
  assert.deepEqual((await tableRows()).map((r) => [r.label, r.accuracy]), mine.rows.map((r) => [r.label, r.accuracy]));
  await page.click('[data-testid="net-bundled-data"]');
  await page.waitForFunction(() => document.getElementById('net-data').dataset.value === '10000', null, { timeout: 10000 });
});

test('an ONNX network exported by torch and an .npz test set: the table equals the CLI\'s; unsupported operators are named', async () => {
  const nn = (f) => path.join(root, 'tests/fixtures/nn', f);
  await page.setInputFiles('[data-testid="net-file"]', nn('unsupported.onnx'));
  await page.waitForFunction(() => /unsupported\.onnx/.test(document.getElementById('net-error').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('[data-testid="net-error"]'), /Sigmoid/);
  assert.equal(await page.getAttribute('[data-testid="net-name"]', 'data-value'), mlpName, 'the previous network stays');

  await page.setInputFiles('[data-testid="net-file"]', nn('mlp_gemm.onnx'));
  await page.waitForFunction(() => /^mlp_gemm/.test(document.getElementById('net-name').dataset.value) ||
    /mlp_gemm/.test(document.getElementById('net-error').textContent), null, { timeout: 10000 });
  assert.equal(await page.isVisible('[data-testid="net-error"]'), false, await page.textContent('[data-testid="net-error"]'));
  assert.equal(await page.inputValue('[data-testid="net-model"]'), 'file');
  await page.setInputFiles('[data-testid="net-data-file"]', nn('dataset.npz'));
  await page.waitForFunction(() => document.getElementById('net-data').dataset.value === '32' ||
    /dataset\.npz/.test(document.getElementById('net-error').textContent), null, { timeout: 10000 });
  assert.equal(await page.isVisible('[data-testid="net-error"]'), false, await page.textContent('[data-testid="net-error"]'));
  await evaluate({ limit: 'all' });
  const onnx = JSON.parse(execFileSync(process.execPath, [path.join(root, 'web/cli/qplay.mjs'), 'eval', nn('mlp_gemm.onnx'),
    '--data', nn('dataset.npz'), '--json', '--timing-runs', '0'], { encoding: 'utf8' }));
  assert.deepEqual((await tableRows()).map((r) => [r.label, r.accuracy, r.size]),
    onnx.rows.map((r) => [r.label, r.accuracy, r.modelBytes]));
  // Back to the bundled MLP and its test set.
  await page.selectOption('[data-testid="net-model"]', 'mlp');
  await page.waitForFunction((name) => document.getElementById('net-name').dataset.value === name, mlpName, { timeout: 10000 });
  await page.click('[data-testid="net-bundled-data"]');
  await page.waitForFunction(() => document.getElementById('net-data').dataset.value === '10000', null, { timeout: 10000 });
});

test('accuracy against bit width equals the same sweep run in Node', async (t) => {
  await page.selectOption('[data-testid="net-limit"]', String(LIMIT));
  const t0 = Date.now();
  await page.click('[data-testid="net-curve-run"]');
  await page.waitForFunction(() => document.getElementById('net-curve').dataset.curve !== undefined ||
    /Failed/.test(document.getElementById('net-sweep-status').textContent), null, { timeout: 40000 });
  t.diagnostic(`bit-width curve (15 evaluations of ${LIMIT} images): ${Date.now() - t0} ms`);
  const shown = JSON.parse(await page.getAttribute('#net-curve', 'data-curve'));
  const qp = await loadQplay();
  const net = qp.loadNetwork(new Uint8Array(readFileSync(publicFile(BUNDLED.models.mlp))), 'mlp.safetensors');
  const data = (k) => idxDataset(qp, new Uint8Array(readFileSync(publicFile(BUNDLED[k].images))),
    new Uint8Array(readFileSync(publicFile(BUNDLED[k].labels))));
  const [test, train] = [await data('test'), await data('train')];
  const ranges = net.calibrate(train, { count: CALIBRATION_SAMPLES });
  const curve = await bitWidthCurve(qp, net, test, { ranges, limit: LIMIT });
  assert.deepEqual(shown, curve.series.map((s) => ({ mode: s.mode, accuracy: s.points.map((p) => p.accuracy) })));
  assert.equal(await page.$$eval('#net-curve canvas', (c) => c.length), 1, 'the chart is drawn');

  await page.selectOption('[data-testid="net-sens-bits"]', '4');
  await page.click('[data-testid="net-sens-run"]');
  await page.waitForFunction(() => !document.getElementById('net-sens').hidden, null, { timeout: 40000 });
  const layers = net.info.weightedLayers;
  assert.equal(await page.$$eval('#net-sens-layers tbody tr', (r) => r.length), layers);
  assert.equal(await page.$$eval('#net-sens-keep tbody tr', (r) => r.length), layers);
});

test('QAT: a short run draws its loss curve and adds a row equal to qplay eval --mode qat', { skip: !HAS_QAT && 'no trainer in this build' }, async (t) => {
  const steps = 10;
  await evaluate();  // the QAT row joins a table of the same 300 images, with its Δ against float32
  await page.selectOption('[data-testid="net-qat-bits"]', '8');
  await page.fill('[data-testid="net-qat-steps"]', String(steps));
  const t0 = Date.now();
  await page.click('[data-testid="net-qat-run"]');
  const label = `QAT int8 (${steps} steps)`;
  await page.waitForFunction((label) => document.querySelector(`#net-table tr[data-mode="${label}"]`) ||
    /failed|cancelled/.test(document.getElementById('net-qat-status').textContent), label, { timeout: 40000 });
  t.diagnostic(`QAT ${steps} steps + evaluation: ${Date.now() - t0} ms`);
  assert.equal(await page.getAttribute('#net-qat-chart', 'data-steps'), String(steps), await page.textContent('#net-qat-status'));
  const row = (await tableRows()).find((r) => r.label === label);
  assert.ok(row, `${await page.textContent('#net-qat-status')} ${JSON.stringify(await tableRows())}`);
  const qat = JSON.parse(execFileSync(process.execPath, [path.join(root, 'web/cli/qplay.mjs'), 'eval', 'mlp', '--mode', 'qat',
    '--bits', '8', '--qat-steps', String(steps), '--limit', String(LIMIT), '--json', '--timing-runs', '0'], { encoding: 'utf8' }));
  const cliRow = qat.rows.find((r) => r.mode === 'qat');
  assert.equal(row.accuracy, cliRow.accuracy, 'QAT accuracy equals qplay eval --mode qat');
  assert.equal(row.size, cliRow.modelBytes);
  assert.ok(Math.abs(Number(row.delta) - cliRow.deltaPp) < 1e-9, `Δ ${row.delta} vs ${cliRow.deltaPp}`);
  // The fine-tuned network joins the drawing pad, after the table's modes.
  await draw([[0.3, 0.15], [0.7, 0.15], [0.75, 0.85], [0.25, 0.85], [0.3, 0.15]]);
  await page.waitForFunction((n) => Number(document.getElementById('net-pad-predictions').dataset.count) === n,
    cli.rows.length + 1, { timeout: 10000 });
  const modes = await page.$$eval('#net-pad-predictions li', (lis) => lis.map((li) => li.dataset.mode));
  assert.deepEqual(modes, [...cli.rows.map((r) => r.label), label]);
  await page.click('[data-testid="net-pad-clear"]');

  // The bit-width curve with QAT: one fine-tuning of the same steps per bit width; its 8-bit point
  // is the run above (same seed, steps and images), so it equals the CLI's QAT row.
  await page.check('[data-testid="net-curve-qat"]');
  await page.evaluate(() => { delete document.getElementById('net-curve').dataset.curve; });
  await page.click('[data-testid="net-curve-run"]');
  await page.waitForFunction(() => document.getElementById('net-curve').dataset.curve !== undefined ||
    /Failed/.test(document.getElementById('net-sweep-status').textContent), null, { timeout: 60000 });
  const curve = JSON.parse(await page.getAttribute('#net-curve', 'data-curve'));
  const qatCurve = curve.find((c) => c.mode === 'qat');
  assert.ok(qatCurve, `${await page.textContent('#net-sweep-status')} ${JSON.stringify(curve)}`);
  assert.equal(qatCurve.accuracy.length, 7);
  assert.equal(qatCurve.accuracy[0], cliRow.accuracy, 'QAT at 8 bits in the curve equals qplay eval --mode qat');
  await page.uncheck('[data-testid="net-curve-qat"]');
});

test('phone width (375 px), light and dark: the Network tab fits', async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${colorScheme}: the page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: path.join(outDir, `phone-network-${colorScheme}.png`), fullPage: true });
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
