// The relaxed-SIMD kind in Node: never installed (Node 20's relaxed dot gives wrong sums, see
// web/lib/relaxed.mjs), so 'int8-relaxed' must refuse with a message naming the way out, the
// capability report must say why, and the other kinds keep working. The kernel's results are
// checked in headless Chromium (tests/e2e/relaxed.test.mjs) and natively through the emulation
// (tests/cpp/test_gemm_q8_relaxed.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay, QplayError } from '../../web/lib/qplay.mjs';
import { engineHasRelaxedSimd } from '../../web/lib/relaxed.mjs';

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

for (const [name, qp] of Object.entries(builds)) {
  test(`${name}: the capability report says relaxed SIMD is not installed in Node, and why`, () => {
    const caps = qp.capabilities();
    assert.equal(caps.simd, name === 'simd');
    assert.equal(caps.relaxedSimd, engineHasRelaxedSimd());
    assert.equal(caps.relaxedInstalled, false);
    assert.match(caps.relaxedReason, name === 'scalar' ? /scalar build/ : caps.relaxedSimd ? /Node/ : /no WebAssembly relaxed SIMD/);
    assert.equal(caps.threads, false);
    assert.equal(typeof caps.crossOriginIsolated, 'boolean');
  });

  test(`${name}: kind 'int8-relaxed' is refused with a clear error; 'int8' still runs`, () => {
    const a = new Uint8Array([1, 2, 3, 4]), b = new Int8Array([5, -6, 7, -8]);
    assert.throws(() => qp.prepareMatmul({ kind: 'int8-relaxed', a, b, m: 2, k: 2, n: 2 }),
      (e) => e instanceof QplayError && /int8-relaxed/.test(e.message) && /not installed/.test(e.message) &&
        /use kind 'int8'/.test(e.message));
    const plan = qp.prepareMatmul({ kind: 'int8', a, b, m: 2, k: 2, n: 2 });
    try {
      plan.run();
      assert.deepEqual(Array.from(plan.output()), [1 * 5 + 2 * 7, 1 * -6 + 2 * -8, 3 * 5 + 4 * 7, 3 * -6 + 4 * -8]);
      assert.equal(plan.variant(), 'int8');
    } finally {
      plan.release();
    }
  });
}
