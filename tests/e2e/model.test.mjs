// The model view in headless Chromium: weight files of every format opened with the file input,
// listed as the Node API lists them; filter and sort; a tensor clicked into the quantization view;
// a refused file keeping the previous model; the whole-model analysis (numbers equal to the API's,
// CSV and JSON downloads), exports re-opened with the API, and Cancel on a long analysis.
// Needs dist/ (`node scripts/build.mjs`); screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { sourceFromPath } from '../../web/lib/node_sources.mjs';
import { allFloatTensorSelection, defaultTensorSelection } from '../../web/lib/export.mjs';
import { launchPage, outDir, root } from './browser.mjs';

const fixtures = path.join(root, 'tests/fixtures');
const fixture = (...parts) => path.join(fixtures, ...parts);
const SHARDS = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']
  .map((f) => fixture('safetensors', f));
const DEFAULTS = { bits: 8, scheme: 'affine', signed: true, axis: null, mode: 'pytorch' };

let browser, page, qp, work;

before(async () => {
  qp = await loadQplay();
  work = mkdtempSync(path.join(os.tmpdir(), 'qplay-model-e2e-'));
  browser = await launchPage();
  page = browser.page;
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------------

const openModel = (files) => qp.openModel(files.map(sourceFromPath));
const errorText = async () => (await page.textContent('#error-text')).replace(/\s+/g, ' ').trim();
const value = (selector) => page.getAttribute(selector, 'data-value');

/** Choose files with the file input and wait for the model view to list `expectedCount` tensors. */
async function openInPage(files, expectedCount) {
  const before = (await page.getAttribute('#panel-model', 'data-token')) ?? '';
  await page.setInputFiles('[data-testid="file-input"]', files);
  await page.waitForFunction((before) => !document.getElementById('error').hidden ||
    (document.getElementById('panel-model').dataset.token ?? '') !== before, before, { timeout: 10000 });
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
  assert.equal(await value('[data-testid="model-tensors"]'), String(expectedCount));
}

/** Names and shapes of the rows shown in the tensor table, in order. */
function tableRows(table = '#tensor-table') {
  return page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => ({
    name: tr.dataset.name,
    shape: tr.querySelector('[data-col="shape"]') ? JSON.parse(tr.querySelector('[data-col="shape"]').dataset.value) : null,
  })));
}

/** Wait for the quantization view to show tensor `name` with a finished result. */
async function waitForTensor(name) {
  await page.waitForFunction((name) => {
    if (!document.getElementById('error').hidden) return true;
    const el = document.getElementById('results');
    return el.dataset.state === 'idle' && el.dataset.source === 'file' &&
      document.querySelector('[data-testid="stat-name"]').dataset.value === name;
  }, name, { timeout: 10000 });
  if (await page.isVisible('[data-testid="error"]')) assert.fail(`the page shows an error: ${await errorText()}`);
}

async function setBits(bits) {
  await page.evaluate((b) => {
    const el = document.getElementById('bits');
    el.value = String(b);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, bits);
  await page.waitForFunction((b) => {
    const el = document.getElementById('results');
    return el.dataset.state === 'idle' && JSON.parse(el.dataset.options).bits === b;
  }, bits);
}

async function analyse({ timeout = 30000 } = {}) {
  await page.click('[data-testid="analyse"]');
  await page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(
    document.querySelector('[data-testid="analysis"]').dataset.state) &&
    !document.querySelector('[data-testid="analyse"]').disabled, null, { timeout });
  assert.equal(await page.getAttribute('[data-testid="analysis"]', 'data-state'), 'done', await page.textContent('[data-testid="analysis-status"]'));
}

async function download(selector) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click(selector)]);
  const file = path.join(work, d.suggestedFilename());
  await d.saveAs(file);
  return file;
}

// ---- tests (in order, on one page) -----------------------------------------------------------

test('a safetensors file is listed like the API lists it, with totals and metadata', async () => {
  const file = fixture('safetensors', 'all_dtypes.safetensors');
  const api = openModel([file]);
  await openInPage(file, api.tensors.length);
  assert.equal(await page.getAttribute('[data-testid="tab-model"]', 'aria-selected'), 'true', 'the model tab opens');
  assert.deepEqual(await tableRows(), api.tensors.map((t) => ({ name: t.name, shape: t.shape })));
  assert.equal(await value('[data-testid="model-parameters"]'), String(api.tensors.reduce((a, t) => a + t.parameters, 0)));
  assert.equal(await value('[data-testid="model-bytes"]'), String(api.tensors.reduce((a, t) => a + t.bytes, 0)));
  assert.equal(await page.textContent('[data-testid="model-format"]'), 'safetensors');
  const dtypes = await page.$$eval('#tensor-table tbody td[data-col="dtype"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(dtypes, api.tensors.map((t) => t.storedType));
  const metadata = await page.textContent('[data-testid="metadata"]');
  for (const [k, v] of api.metadata) assert.ok(metadata.includes(k) && metadata.includes(v), `metadata ${k}`);
  assert.equal(await page.isVisible('[data-testid="pickle-note"]'), false);
});

test('the filter and the column sort work on the tensor table', async () => {
  const api = openModel([fixture('safetensors', 'all_dtypes.safetensors')]);
  await page.fill('[data-testid="tensor-filter"]', 'INT.');
  const filtered = (await tableRows()).map((r) => r.name);
  assert.deepEqual(filtered, api.tensors.map((t) => t.name).filter((n) => n.toLowerCase().includes('int.')));
  assert.match(await page.textContent('[data-testid="tensor-count"]'), new RegExp(`^${filtered.length} of ${api.tensors.length} tensors`));
  await page.fill('[data-testid="tensor-filter"]', '');

  await page.click('#tensor-table th button[data-sort-key="parameters"]');
  const params = await page.$$eval('#tensor-table tbody td[data-col="parameters"]', (tds) => tds.map((td) => Number(td.dataset.value)));
  assert.deepEqual(params, [...params].sort((a, b) => a - b));
  assert.equal(params.length, api.tensors.length);
  assert.equal(await page.getAttribute('#tensor-table th:has(button[data-sort-key="parameters"])', 'aria-sort'), 'ascending');
  await page.click('#tensor-table th button[data-sort-key="parameters"]');
  const down = await page.$$eval('#tensor-table tbody td[data-col="parameters"]', (tds) => tds.map((td) => Number(td.dataset.value)));
  assert.deepEqual(down, [...params].sort((a, b) => b - a));
  await page.click('#tensor-table th button[data-sort-key="name"]');
  const names = (await tableRows()).map((r) => r.name);
  assert.deepEqual(names, [...names].sort(new Intl.Collator('en', { numeric: true }).compare));
});

test('clicking a tensor shows it in the quantization view with the API\'s SQNR', async () => {
  const api = openModel([fixture('safetensors', 'all_dtypes.safetensors')]);
  await page.click('#tensor-table tr[data-name="weight.f64"] button.tensor-name');
  await waitForTensor('weight.f64');
  assert.equal(await page.getAttribute('[data-testid="tab-tensor"]', 'aria-selected'), 'true');
  const t = api.readTensor('weight.f64');
  const r = qp.quantize(t.data, t.shape, DEFAULTS);
  assert.equal(await value('[data-testid="metric-sqnr"]'), String(r.metrics.sqnrDb));
  assert.equal(await value('[data-testid="metric-mse"]'), String(r.metrics.mse));
  assert.equal(await value('[data-testid="stat-shape"]'), JSON.stringify(t.shape));
  assert.equal(await page.textContent('[data-testid="stat-dtype"]'), 'F64 (read as float32)');
  assert.equal(await page.inputValue('#source'), 'file');
  // The same tensor at 4 bits: the view follows the settings.
  await setBits(4);
  const r4 = qp.quantize(t.data, t.shape, { ...DEFAULTS, bits: 4 });
  assert.equal(await value('[data-testid="metric-sqnr"]'), String(r4.metrics.sqnrDb));
});

test('shards and their index open together as one model; a malformed file keeps it', async () => {
  const api = openModel(SHARDS);
  await openInPage(SHARDS, api.tensors.length);
  assert.deepEqual(await tableRows(), api.tensors.map((t) => ({ name: t.name, shape: t.shape })));
  const files = await page.$$eval('#tensor-table tbody td[data-col="file"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(files, api.tensors.map((t) => api.files[t.file].name));
  assert.equal(await page.isVisible('#tensor-table td[data-col="file"]'), true, 'several files: the File column shows');

  // One shard missing: listed with the core's warning.
  const partial = openModel([SHARDS[0], SHARDS[2]]);
  assert.ok(partial.warnings.length > 0);
  await openInPage([SHARDS[0], SHARDS[2]], partial.tensors.length);
  const warnings = await page.$$eval('[data-testid="model-warnings"] li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(warnings, partial.warnings);
  await openInPage(SHARDS, api.tensors.length);
  assert.equal(await page.isVisible('[data-testid="model-warnings"]'), false);

  const bad = path.join(root, 'tests/malformed/safetensors/overlap.safetensors');
  const expected = (() => {
    try { openModel([bad]); } catch (e) { return e.message; }
    return assert.fail('overlap.safetensors should be refused by the API');
  })();
  await page.setInputFiles('[data-testid="file-input"]', bad);
  await page.waitForSelector('[data-testid="error"]', { state: 'visible' });
  assert.ok((await errorText()).includes(expected), `error "${await errorText()}" should include "${expected}"`);
  assert.deepEqual((await tableRows()).map((r) => r.name), api.tensors.map((t) => t.name), 'the previous model is still listed');
  await page.click('#error-close');
  // Still usable: a tensor of the previous model opens in the quantization view.
  await page.click('#tensor-table tr[data-name="layers.3.weight"] button.tensor-name');
  await waitForTensor('layers.3.weight');
  const t = api.readTensor('layers.3.weight');
  assert.equal(await value('[data-testid="metric-sqnr"]'), String(qp.quantize(t.data, t.shape, { ...DEFAULTS, bits: 4 }).metrics.sqnrDb));
});

test('npz, PyTorch, ONNX (with external data) and GGUF files are listed with their metadata', async () => {
  const cases = [
    { files: [fixture('npz', 'stored.npz')], format: 'NumPy .npz' },
    { files: [fixture('pytorch', 'checkpoint.pth')], format: 'PyTorch checkpoint', pickle: true },
    { files: [fixture('onnx', 'mlp.onnx')], format: 'ONNX' },
    { files: [fixture('onnx', 'external.onnx'), fixture('onnx', 'weights.bin')], format: 'ONNX' },
    { files: [fixture('gguf', 'v3_every_type.gguf')], format: 'GGUF', problem: true },
  ];
  for (const c of cases) {
    const api = openModel(c.files);
    await page.click('[data-testid="tab-model"]');
    await openInPage(c.files, api.tensors.length);
    const what = c.files.map((f) => path.basename(f)).join(' + ');
    assert.deepEqual(await tableRows(), api.tensors.map((t) => ({ name: t.name, shape: t.shape })), what);
    assert.equal(await page.textContent('[data-testid="model-format"]'), c.format, what);
    assert.equal(await page.isVisible('[data-testid="pickle-note"]'), Boolean(c.pickle), `${what}: pickle note`);
    const graph = api.graph.nodeCount > 0;
    assert.equal(await page.isVisible('[data-testid="graph"]'), graph, `${what}: graph summary`);
    if (api.metadata.length) {
      const shown = await page.$$eval('[data-testid="metadata"] dt', (dts) => dts.map((dt) => dt.textContent));
      assert.deepEqual(shown, api.metadata.map(([k]) => k), `${what}: metadata keys`);
    }
    if (graph) {
      const text = (await page.textContent('[data-testid="graph"]')).replace(/\s+/g, ' ');
      for (const { opType, count } of api.graph.opCounts) assert.ok(text.includes(`${opType} × ${count}`), `${opType} × ${count}`);
      for (const s of [...api.graph.inputs, ...api.graph.outputs]) assert.ok(text.includes(s), s);
    }
    if (c.problem) {
      const withProblem = api.tensors.filter((t) => t.problem);
      assert.ok(withProblem.length > 0);
      for (const t of withProblem) {
        assert.equal(await page.textContent(`#tensor-table tr[data-name="${t.name}"] td[data-col="problem"]`), t.problem);
      }
      assert.match(await page.textContent('[data-testid="model-problems"]'), /cannot be read/);
    }
  }
});

test('a refused PyTorch pickle shows why and that nothing was executed', async () => {
  const bad = fixture('pytorch', 'malicious.pt');
  const expected = (() => {
    try { openModel([bad]); } catch (e) { return e.message; }
    return assert.fail('malicious.pt should be refused');
  })();
  await page.setInputFiles('[data-testid="file-input"]', bad);
  await page.waitForSelector('[data-testid="error"]', { state: 'visible' });
  assert.ok((await errorText()).includes(expected));
  assert.match(expected, /never executes pickle code/);
  await page.click('#error-close');
  assert.equal(await page.textContent('[data-testid="model-format"]'), 'GGUF', 'the GGUF model stays open');
});

test('several files dropped on the page open together as one model', async () => {
  await page.click('[data-testid="tab-tensor"]');
  const files = [...SHARDS].reverse().map((f) => ({ name: path.basename(f), bytes: Array.from(readFileSync(f)) }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const { name, bytes } of files) dt.items.add(new File([new Uint8Array(bytes)], name));
    for (const type of ['dragenter', 'dragover', 'drop'])
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  const api = openModel(SHARDS);
  // The previous model (GGUF) is replaced; the browser's file order does not matter.
  await page.waitForFunction(() => document.querySelector('[data-testid="model-format"]').textContent === 'safetensors');
  assert.equal(await page.getAttribute('[data-testid="tab-model"]', 'aria-selected'), 'true');
  assert.deepEqual(await tableRows(), api.tensors.map((t) => ({ name: t.name, shape: t.shape })));
  assert.equal(await page.isVisible('#drop-overlay'), false);
  assert.equal(await page.isVisible('[data-testid="error"]'), false);
});

test('whole-model analysis: per-tensor numbers equal the API\'s, failures listed, CSV and JSON downloads', async () => {
  const file = fixture('safetensors', 'all_dtypes.safetensors');
  const api = openModel([file]);
  await openInPage(file, api.tensors.length);
  const options = { ...DEFAULTS, bits: 4 };  // the bits slider still says 4
  await analyse();
  const selected = defaultTensorSelection(api.tensors);
  const rows = await page.$$eval('#report-table tbody tr', (trs) => trs.map((tr) => ({
    name: tr.dataset.name,
    sqnr: tr.querySelector('[data-col="sqnr"]').dataset.value,
    error: tr.querySelector('[data-col="error"]').textContent,
    after: tr.querySelector('[data-col="after"]').dataset.value,
  })));
  assert.deepEqual(rows.map((r) => r.name).sort(), [...selected].sort());
  const expected = new Map();
  for (const name of selected) {
    const t = api.readTensor(name);
    try {
      expected.set(name, qp.quantize(t.data, t.shape, options));
    } catch (e) {
      expected.set(name, { error: e.message });
    }
  }
  const failed = rows.filter((r) => r.error);
  assert.deepEqual(failed.map((r) => r.name), ['fp8.e4m3'], 'the NaN tensor is listed with its error');
  assert.equal(failed[0].error, expected.get('fp8.e4m3').error);
  assert.equal(rows[0].name, 'fp8.e4m3', 'failures come first');
  const ok = rows.filter((r) => !r.error);
  for (const r of ok) {
    const e = expected.get(r.name);
    assert.equal(r.sqnr, String(e.metrics.sqnrDb), `SQNR of ${r.name}`);
    const params = e.codes.length;
    assert.equal(r.after, String(Math.ceil(params * 4 / 8) + 8 * e.scales.length), `size after of ${r.name}`);
  }
  const sqnrs = ok.map((r) => Number(r.sqnr));
  assert.deepEqual(sqnrs, [...sqnrs].sort((a, b) => a - b), 'worst SQNR first');

  const csv = readFileSync(await download('[data-testid="download-csv"]'), 'utf8').trim().split(/\r?\n/);
  assert.match(csv[0], /^name,stored_type,shape,parameters,axis,sqnr_db,/);
  assert.equal(csv.length, 1 + selected.length);
  const sqnrColumn = csv[0].split(',').indexOf('sqnr_db');
  for (const line of csv.slice(1)) {
    const fields = line.split(',');
    const e = expected.get(fields[0]);
    if (e.error) assert.equal(fields[sqnrColumn], '');
    else assert.equal(fields[sqnrColumn], String(e.metrics.sqnrDb), fields[0]);
  }
  const json = JSON.parse(readFileSync(await download('[data-testid="download-json"]'), 'utf8'));
  assert.deepEqual(json.options, options);
  assert.equal(json.tensors.length, selected.length);
  for (const t of json.tensors) {
    const e = expected.get(t.name);
    if (e.error) assert.equal(t.error, e.error);
    else assert.equal(t.metrics.sqnrDb, e.metrics.sqnrDb, t.name);
  }
  assert.equal(json.totals.failed, 1);
  assert.equal(json.totals.quantized, selected.length - 1);
});

test('exports: the quantized .safetensors re-opens with the API\'s codes; npz and dequantized too', async () => {
  const original = openModel([fixture('safetensors', 'all_dtypes.safetensors')]);
  const options = { ...DEFAULTS, bits: 4 };
  const names = defaultTensorSelection(original.tensors).filter((n) => n !== 'fp8.e4m3');
  const q = openModel([await download('[data-testid="export-quantized-safetensors"]')]);
  const deq = openModel([await download('[data-testid="export-dequantized-safetensors"]')]);
  const npz = openModel([await download('[data-testid="export-quantized-npz"]')]);
  for (const name of names) {
    const t = original.readTensor(name);
    const r = qp.quantize(t.data, t.shape, options);
    assert.equal(q.tensors.find((e) => e.name === name).dtype, 'i8');
    assert.deepEqual(Array.from(q.readTensor(name).data), Array.from(r.codes), `codes of ${name}`);
    assert.deepEqual(Array.from(q.readTensor(`${name}.scale`).data), Array.from(r.scales), `scales of ${name}`);
    assert.deepEqual(Array.from(q.readTensor(`${name}.zero_point`).data), Array.from(r.zeroPoints));
    assert.deepEqual(Array.from(deq.readTensor(name).data), Array.from(r.dequantized), `dequantized ${name}`);
    assert.deepEqual(Array.from(npz.readTensor(`${name}/codes`).data), Array.from(r.codes), `npz codes of ${name}`);
  }
  // The tensor that failed (NaN) travels along unchanged in the safetensors exports.
  assert.deepEqual(Array.from(q.readTensor('fp8.e4m3').data), Array.from(original.readTensor('fp8.e4m3').data));
  assert.match(await page.textContent('[data-testid="analysis-status"]'), /Saved .*\.q\.npz/);
});

test('"all float tensors" analyses every float tensor and lists the ones that fail', async () => {
  const api = openModel([fixture('safetensors', 'all_dtypes.safetensors')]);
  await page.check('[data-testid="analyse-all"]');
  await analyse();
  await page.uncheck('[data-testid="analyse-all"]');
  const rows = await page.$$eval('#report-table tbody tr', (trs) => trs.map((tr) => ({
    name: tr.dataset.name, error: tr.querySelector('[data-col="error"]').textContent })));
  assert.deepEqual(rows.map((r) => r.name).sort(), allFloatTensorSelection(api.tensors).sort());
  for (const r of rows) {
    const t = api.readTensor(r.name);
    let error = '';
    try { qp.quantize(t.data, t.shape, { ...DEFAULTS, bits: 4 }); } catch (e) { error = e.message; }
    assert.equal(r.error, error, r.name);
  }
  assert.ok(rows.some((r) => r.name === 'empty' && r.error), 'the empty tensor is listed with its error');
});

test('thousands of tensors: the table renders one page at a time and filters at once', async (t) => {
  const small = new Float32Array(4).fill(0.5);
  const tensors = Array.from({ length: 5000 }, (_, k) => ({ name: `blocks.${k}.attn.weight`, shape: [2, 2], data: small }));
  const many = path.join(work, 'many.safetensors');
  writeFileSync(many, qp.encodeSafetensors(tensors));
  const t0 = Date.now();
  await openInPage(many, 5000);
  t.diagnostic(`5000 tensors listed in ${Date.now() - t0} ms`);
  assert.equal(await page.locator('#tensor-table tbody tr').count(), 200);
  assert.match(await page.textContent('#tensor-more'), /Show 200 more \(4,800 not shown\)/);
  await page.click('#tensor-more');
  assert.equal(await page.locator('#tensor-table tbody tr').count(), 400);
  const t1 = Date.now();
  await page.fill('[data-testid="tensor-filter"]', 'blocks.4999.');
  assert.deepEqual((await tableRows()).map((r) => r.name), ['blocks.4999.attn.weight']);
  t.diagnostic(`filtered in ${Date.now() - t1} ms`);
  assert.equal(await page.isVisible('#tensor-more'), false);
  await page.fill('[data-testid="tensor-filter"]', '');
});

test('a long analysis shows a progress bar and Cancel stops it', async (t) => {
  // 64 tensors of 1M float32 values (256 MiB): long enough to see the bar (after 0.5 s) and cancel.
  const values = new Float32Array(1 << 20).map((_, i) => Math.sin(i * 0.37) * 0.05);
  const tensors = Array.from({ length: 64 }, (_, k) => ({ name: `layers.${k}.weight`, shape: [1024, 1024], data: values }));
  const big = path.join(work, 'big.safetensors');
  writeFileSync(big, qp.encodeSafetensors(tensors));
  await openInPage(big, 64);
  const report = await page.textContent('[data-testid="analysis-status"]');
  const t0 = Date.now();
  await page.click('[data-testid="analyse"]');
  await page.waitForSelector('[data-testid="progress"]', { state: 'visible', timeout: 10000 });
  const shownAfter = Date.now() - t0;
  assert.ok(shownAfter >= 450, `the bar appeared after ${shownAfter} ms (expected after half a second)`);
  await page.waitForFunction(() => document.getElementById('progress-bar').value > 0);
  await page.click('[data-testid="cancel"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="analysis"]').dataset.state === 'cancelled', null, { timeout: 10000 });
  const done = await page.evaluate(() => document.getElementById('progress-bar').value);
  t.diagnostic(`cancelled after ${done} of 64 tensors, ${Date.now() - t0} ms after starting; bar shown after ${shownAfter} ms`);
  assert.ok(done < 64, `stopped before the end (${done} of 64)`);
  assert.equal(await page.isVisible('[data-testid="progress"]'), false);
  assert.equal(await page.isVisible('[data-testid="report"]'), false, 'no report for a cancelled analysis');
  assert.match(await page.textContent('[data-testid="analysis-status"]'), /cancelled/);
  assert.notEqual(report, await page.textContent('[data-testid="analysis-status"]'));
  assert.equal(await page.isDisabled('[data-testid="analyse"]'), false, 'ready for another run');
  // The worker is free again: a tensor opens at once.
  await page.click('#tensor-table tr[data-name="layers.0.weight"] button.tensor-name');
  await waitForTensor('layers.0.weight');
});

test('screenshots: the model view on a desktop and on a phone (the table scrolls, not the page)', async () => {
  mkdirSync(outDir, { recursive: true });
  const file = fixture('safetensors', 'all_dtypes.safetensors');
  await openInPage(file, openModel([file]).tensors.length);
  await setBits(4);
  await analyse();
  await page.evaluate(() => window.scrollTo(0, 0));  // the settings panel is sticky: shoot from the top
  await page.screenshot({ path: path.join(outDir, 'model.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  const scrolls = await page.$eval('#report-table', (t) => t.parentElement.scrollWidth > t.parentElement.clientWidth);
  assert.ok(scrolls, 'the report table scrolls sideways inside its box');
  await page.screenshot({ path: path.join(outDir, 'model-phone.png'), fullPage: true });
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
