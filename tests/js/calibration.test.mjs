// Range calibration through the JS API: runScheme passes `calibration` to the core's int format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQplay, QplayError } from '../../web/lib/qplay.mjs';
import { weightLike, sameBytes } from './helpers.mjs';

const simd = await loadQplay({ build: 'simd' });
const scalar = await loadQplay({ build: 'scalar' });

// Gaussian-like rows with a few large outliers: minmax spends the grid on them. 16384 values: with
// only ~1000, giving up the two outliers costs more squared error than 4-bit rounding of the bulk,
// and mse rightly keeps them.
const shape = [64, 256];
const x = weightLike(64, 256, 7);
x[3] = 40;
x[700] = -35;

const CALIBRATIONS = ['moving-average:0.5', 'percentile:99', 'mse', 'entropy', 'histogram'];

test('a calibrated int scheme runs, clips the outliers and beats minmax on the bulk', () => {
  const base = simd.runScheme(x, shape, { bits: 4 });
  assert.equal(base.integer.observedMax[0], 40);
  for (const calibration of ['percentile:99', 'mse', 'entropy']) {
    const r = simd.runScheme(x, shape, { bits: 4, calibration });
    assert.equal(r.options.calibration, calibration);
    assert.match(r.label, new RegExp(calibration.replace(/[.:]/g, '.')));
    assert.ok(r.integer.observedMax[0] < 40 && r.integer.observedMin[0] > -35, `${calibration} clips`);
    assert.ok(r.integer.scales[0] < base.integer.scales[0], `${calibration} has a finer grid`);
    assert.ok(r.metrics.mse < base.metrics.mse, `${calibration} has less error than minmax here`);
    assert.ok(!sameBytes(r.dequantized, base.dequantized), `${calibration} differs from minmax`);
  }
  // mse searches on the actual grid, so it cannot lose to minmax there
  assert.ok(simd.runScheme(x, shape, { bits: 4, calibration: 'mse' }).metrics.mse <= base.metrics.mse);
});

test('calibrations agree between the SIMD and scalar builds, per tensor and per channel', () => {
  for (const calibration of CALIBRATIONS) {
    for (const axis of [null, 0]) {
      const options = { bits: 8, calibration, axis };
      const a = simd.runScheme(x, shape, options), b = scalar.runScheme(x, shape, options);
      for (const key of ['codes', 'scales', 'zeroPoints', 'observedMin', 'observedMax'])
        assert.ok(sameBytes(a.integer[key], b.integer[key]), `${key} differ for ${JSON.stringify(options)}`);
      assert.ok(sameBytes(a.dequantized, b.dequantized));
    }
  }
});

test('an unknown calibration is refused with the list of valid ones', () => {
  assert.throws(() => simd.runScheme(x, shape, { calibration: 'kl' }),
    (e) => e instanceof QplayError && /expected one of minmax, moving-average\[:C\].*histogram/.test(e.message));
  assert.throws(() => simd.runScheme(x, shape, { calibration: 'percentile:120' }), /percentile must be in \(50, 100\]/);
});
