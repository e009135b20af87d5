// The worker side of <qp-compare> and <qp-network> in Node (web/widgets/handlers_compare.mjs,
// handlers_network.mjs, widget_tensor.mjs): the widgets' synthetic tensors are the page's at the
// page's sizes, `schemes` picks rows by the core's own labels, and the per-widget network state
// survives what widgets do to it: a cancel before the job starts, a model change during a run, two
// opens racing, the element leaving the page mid-run. Files are served by a local server, as the
// widgets fetch them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { BUNDLED } from '../../web/lib/datasets.mjs';
import { STANDARD_MODES } from '../../web/lib/network_eval.mjs';
import { SYNTHETIC } from '../../web/app/tensors.mjs';
import { cancelJob } from '../../web/app/worker_jobs.mjs';
import { makeWidgetTensor, matrixShape } from '../../web/widgets/widget_tensor.mjs';
import { handlers as compare, resolveSchemes, splitSchemeList } from '../../web/widgets/handlers_compare.mjs';
import { handlers as network } from '../../web/widgets/handlers_network.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let qp, server, url, urls;
const ignore = () => {};
const outcome = (p) => p.then((v) => ({ ok: v }), (e) => ({ name: e.name, message: e.message }));

before(async () => {
  qp = await loadQplay();
  server = await startServer({ dir: path.join(root, 'web/public'), port: 0 });
  url = (p) => `http://127.0.0.1:${server.address().port}/${p}`;
  urls = (model) => ({ model: url(BUNDLED.models[model]), testImages: url(BUNDLED.test.images),
    testLabels: url(BUNDLED.test.labels), trainImages: url(BUNDLED.train.images), trainLabels: url(BUNDLED.train.labels) });
});

after(() => new Promise((resolve) => server.close(resolve)));

test('widget tensors are the page\'s synthetic tensors at the page\'s sizes, shaped as matrices', () => {
  for (const [distribution, key, size] of [['uniform', 'uniform', 4096], ['laplace', 'laplace', 512 * 768]]) {
    const w = makeWidgetTensor({ distribution, seed: 11, size });
    const page = SYNTHETIC[key].make(11);
    assert.deepEqual(w.shape, page.shape);
    assert.deepEqual(w.data, page.data, distribution);
  }
  assert.deepEqual(matrixShape(4096), [64, 64]);
  assert.deepEqual(matrixShape(4099), [1, 4099]);  // a prime
  assert.deepEqual(makeWidgetTensor({ distribution: 'outliers', size: 1000 }).shape, [25, 40]);
  assert.throws(() => makeWidgetTensor({ distribution: 'cauchy' }), { name: 'QplayError', message: /unknown distribution "cauchy"/ });
  assert.throws(() => makeWidgetTensor({ size: 0 }), { name: 'QplayError', message: /size must be/ });
});

test('schemes: entries split outside parentheses and match the core\'s labels, or a format name', () => {
  assert.deepEqual(splitSchemeList(' Q8_0 (ggml, blocks of 32), nf4 b64,,fp16 '), ['Q8_0 (ggml, blocks of 32)', 'nf4 b64', 'fp16']);
  const { data, shape } = makeWidgetTensor({ size: 8192 });
  const all = qp.compareSchemes(data, shape);
  const wanted = [all[5].label, all.at(-1).label.toUpperCase(), all[0].label];
  const rows = qp.compareSchemes(data, shape, resolveSchemes(qp, shape, wanted));
  assert.deepEqual(rows.map((r) => r.label), [all[5].label, all.at(-1).label, all[0].label]);
  assert.deepEqual(rows.map((r) => r.metrics), [all[5], all.at(-1), all[0]].map((r) => r.metrics));
  const [q51] = qp.compareSchemes(data, shape, resolveSchemes(qp, shape, ['q5_1']));  // not in the default set
  assert.equal(q51.label, 'Q5_1 (ggml, blocks of 32)');
  assert.throws(() => resolveSchemes(qp, shape, ['int']), { name: 'QplayError', message: /"int" names \d+ schemes/ });
  assert.throws(() => resolveSchemes(qp, shape, ['int9 magic']), { name: 'QplayError', message: /unknown scheme "int9 magic"/ });
});

test('compareRun streams one row per scheme, equal to compareSchemes; a cancel before the fetch ends stops it', async () => {
  const messages = [];
  const reply = await compare.compareRun(qp, { id: 101, tensor: { distribution: 'laplace', seed: 2, size: 2048 },
    schemes: 'nf4 b64, fp16' }, (m) => messages.push(m));
  const { data, shape } = makeWidgetTensor({ distribution: 'laplace', seed: 2, size: 2048 });
  const wanted = qp.compareSchemes(data, shape, resolveSchemes(qp, shape, ['nf4 b64', 'fp16']));
  assert.deepEqual(reply.rows.map((r) => [r.label, r.bitsPerWeight, r.metrics, r.pareto]),
    wanted.map((r) => [r.label, r.bitsPerWeight, r.metrics, r.pareto]));
  assert.deepEqual(messages.filter((m) => m.row).map((m) => m.index), [0, 1]);
  const cancelled = outcome(compare.compareRun(qp, { id: 102, tensor: { src: url('examples/linear_256x512.npy') } }, ignore));
  cancelJob(102);
  assert.equal((await cancelled).name, 'Cancelled');
  const missing = await outcome(compare.compareRun(qp, { id: 103, tensor: { src: url('examples/none.npy') } }, ignore));
  assert.match(missing.message, /HTTP 404/);
});

test('networks per widget: cancel then run again, a model change mid-run, racing opens, removal mid-run', async () => {
  const run = (id, instance, modes, limit) =>
    network.networkEvaluate(qp, { id, instance, modes, limit, timingRuns: 0 }, ignore);
  await network.networkOpen(qp, { id: 201, instance: 'a', model: 'mlp', urls: urls('mlp') });
  await network.networkOpen(qp, { id: 202, instance: 'b', model: 'cnn', urls: urls('cnn') });
  // Cancelled before its first step: the next run waits for it and succeeds.
  const first = outcome(run(203, 'a', STANDARD_MODES, 2000));
  cancelJob(203);
  const [floatA, floatB] = await Promise.all([run(204, 'a', STANDARD_MODES.slice(0, 1), 100), run(205, 'b', STANDARD_MODES.slice(0, 1), 100)]);
  assert.equal((await first).name, 'Cancelled');
  // Each instance evaluated its own model (the MLP's engine is the bigger one).
  assert.equal(floatA.rows[0].modelBytes > floatB.rows[0].modelBytes, true, 'the MLP is the bigger model');
  // A model change while a run goes on: the widget cancels, then opens; the open waits for the run to stop.
  const running = outcome(run(206, 'a', STANDARD_MODES, 2000));
  await new Promise((resolve) => setTimeout(resolve, 20));
  cancelJob(206);
  const reopened = await network.networkOpen(qp, { id: 207, instance: 'a', model: 'cnn', urls: urls('cnn') });
  assert.equal((await running).name, 'Cancelled');
  assert.equal(reopened.network.name, 'cnn');
  // Two opens racing: the later request wins whichever lands first.
  const early = outcome(network.networkOpen(qp, { id: 208, instance: 'c', model: 'cnn', urls: urls('cnn') }));
  const late = await network.networkOpen(qp, { id: 209, instance: 'c', model: 'mlp', urls: urls('mlp') });
  assert.equal((await early).name, 'Cancelled');
  assert.equal(late.network.name, 'mlp');
  // The element leaves the page mid-run: the run stops, the network is freed, the instance is gone.
  const orphan = outcome(run(210, 'c', STANDARD_MODES, 2000));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(await network.networkRelease(qp, { instance: 'c' }), { released: true });
  assert.deepEqual(await orphan, { name: 'Cancelled', message: 'the widget was removed' });
  assert.match((await outcome(run(211, 'c', STANDARD_MODES, 10))).message, /no network is loaded/);
  for (const instance of ['a', 'b']) await network.networkRelease(qp, { instance });
});
