// The Kernels tab's benchmark job (web/app/worker_kernels.mjs) under Node, both builds: rows for
// every kernel with sane figures, the output checks catching a wrong kernel (a wrapped core that
// corrupts one entry), Cancel, and the refusal of bad requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { benchKernels, float32Tolerance, kernelInfo } from '../../web/app/worker_kernels.mjs';
import { cancelJob } from '../../web/app/worker_jobs.mjs';

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };
let nextId = 1;

function collect() {
  const messages = [];
  return { messages, post: (m) => messages.push(m) };
}

/** A core whose `kind` plans return a copy of the output with entry `index` changed by `delta`. */
function corrupting(qp, kind, index, delta) {
  const wrapped = Object.create(qp);
  wrapped.prepareMatmul = (options) => {
    const plan = qp.prepareMatmul(options);
    if (options.kind !== kind) return plan;
    return { ...plan, output: () => {
      const c = plan.output();
      c[index] += delta;
      return c;
    } };
  };
  return wrapped;
}

for (const [name, qp] of Object.entries(builds)) {
  test(`${name}: every listed kernel gets a row with positive GOPS on 1×784×256`, async () => {
    const info = kernelInfo(qp);
    assert.equal(info.build, name);
    assert.equal(info.relaxedInstalled, false, 'Node never installs the relaxed kernel');
    assert.deepEqual(info.kernels.map((k) => k.id), ['u8s8', 's8s8', 'f32', 'scalar']);
    if (name === 'scalar') assert.ok(info.kernels.every((k) => !/SIMD/.test(k.label)), 'the scalar build claims no SIMD');
    const { messages, post } = collect();
    const out = await benchKernels(qp, { id: nextId++, shapes: [[1, 784, 256]], repetitions: 2, seed: 3 }, post);
    // The peak loop (SIMD build only) first, then one row per kernel.
    const peak = name === 'simd' ? ['peak'] : [];
    assert.deepEqual(out.rows.map((r) => r.kernel), [...peak, ...info.kernels.map((k) => k.id)]);
    for (const r of out.rows) {
      assert.equal(r.error, undefined, `${r.kernel}: ${r.error}`);
      assert.ok(r.medianGops > 0 && r.bestGops >= r.medianGops, `${r.kernel}: ${r.medianGops}, ${r.bestGops}`);
      assert.ok(r.runsPerBatch >= 1 && r.repetitions === 2);
      if (r.kernel !== 'peak') {
        assert.ok(Math.abs(r.msPerRun - (2 * 784 * 256) / r.medianGops / 1e6) < 1e-9 * r.msPerRun, 'GOPS = 2·M·N·K / time');
      }
    }
    // Rows stream: each one is posted in a progress message as soon as it is measured.
    assert.deepEqual(messages.filter((m) => m.row).map((m) => m.row.kernel), out.rows.map((r) => r.kernel));
    const last = messages.at(-1);
    assert.equal(last.done, last.total);
  });
}

const qp = builds.simd;

test('a wrong int8 output is caught on a small shape (full check) and on a large one (sampled)', async () => {
  for (const [shape, index] of [[[64, 784, 256], 64 * 256 - 1], [[256, 1024, 1024], 0]]) {
    const { post } = collect();
    const out = await benchKernels(corrupting(qp, 'int8', index, 1), { id: nextId++, shapes: [shape], repetitions: 1 }, post);
    const bad = out.rows.filter((r) => r.error).map((r) => r.kernel);
    assert.deepEqual(bad, ['u8s8', 's8s8'], `${shape}: only the corrupted kind fails`);
    const [i, j] = [Math.floor(index / shape[2]), index % shape[2]];
    assert.match(out.rows.find((r) => r.kernel === 'u8s8').error, new RegExp(`C\\[${i}\\]\\[${j}\\] = -?\\d+, expected -?\\d+ exactly`));
    assert.equal(out.rows.find((r) => r.kernel === 'u8s8').medianGops, undefined, 'a wrong kernel is not timed');
    assert.ok(out.rows.filter((r) => !r.error).every((r) => r.medianGops > 0), 'the others still run');
  }
});

test('float32: rounding differences pass, an error beyond K·2⁻²³·Σ|a·b| does not', async () => {
  const { post } = collect();
  const ok = await benchKernels(corrupting(qp, 'f32', 5, 1e-6), { id: nextId++, shapes: [[1, 784, 256]], repetitions: 1 }, post);
  assert.equal(ok.rows.find((r) => r.kernel === 'f32').error, undefined, 'a 1e-6 change is within the bound');
  const bad = await benchKernels(corrupting(qp, 'f32', 5, 0.5), { id: nextId++, shapes: [[1, 784, 256]], repetitions: 1 }, post);
  assert.match(bad.rows.find((r) => r.kernel === 'f32').error, /float32 SIMD128 at 1×784×256: C\[0\]\[5\] = .* ± /);
  // The bound itself: K·2⁻²³·Σ|a·b| (plus 0.1%).
  assert.equal(float32Tolerance(1024, 2), 1024 * 2 * 2 ** -23 * 1.001);
});

test('Cancel stops the job at its next batch', async () => {
  const id = nextId++;
  const t0 = performance.now();
  let asked = 0;
  const job = benchKernels(qp, { id, shapes: [[64, 784, 256], [256, 1024, 1024]], repetitions: 9 }, (m) => {
    if (m.done >= 2 && !asked) asked = cancelJob(id) ? performance.now() : -1;
  });
  await assert.rejects(job, { name: 'Cancelled' });
  assert.ok(asked > 0, 'the job was running when cancelled');
  assert.ok(performance.now() - asked < 1000, `stopped ${performance.now() - asked} ms after Cancel`);
  assert.ok(performance.now() - t0 < 10000);
});

test('bad requests are refused with a message', () => {
  const run = (msg) => benchKernels(qp, { id: nextId++, ...msg }, () => {});
  assert.throws(() => run({ shapes: [] }), { name: 'QplayError', message: /at least one shape/ });
  assert.throws(() => run({ shapes: [[2, 2, 2]] }), { name: 'QplayError', message: /unknown shape 2,2,2/ });
  assert.throws(() => run({ shapes: [[1, 784, 256]], repetitions: 0 }), { name: 'QplayError', message: /repetitions/ });
});
