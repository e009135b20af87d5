// The relaxed-SIMD GEMM kernel (src/kernels/gemm_q8_relaxed.wat) in headless Chromium, the only
// runtime here where it runs: kind 'int8-relaxed' equals 'int8-ref' (the triple loop) bit for bit
// on the edge shapes and on extreme codes, for uint8 and int8 activations and for weights in
// [−64, 63] (one dot), [−127, 127] (two dots when asked, else SIMD128), full range (SIMD128
// fallback) and uint8 [0, 127];
// the capability report says the kernel is installed; and the bundled site (dist/, served under a
// sub-path) links it too. A failure names kind, shape, ranges, seed, index, expected and actual.
// Two kernel sets: "i7" (every engine; forced with ?relaxed=i7 for the cases above) and "u8"
// (full-range weights in one dot, where the engine's dot reads unsigned bytes exactly: x86 with
// AVX-VNNI), which the default page installs when its self-check passes; the same cases run on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchSourcePage } from './source_page.mjs';
import { launchPage, dist, root } from './browser.mjs';

const EDGE = [1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257];
// Weight ranges and the path each must take when a column holds both ends.
const RANGES = [
  { signed: true, lo: -64, hi: 63, variant: 'one-dot' },
  { signed: false, lo: 0, hi: 127, variant: 'one-dot' },
  { signed: true, lo: -127, hi: 127, variant: 'two-dots', twoDots: true },
  { signed: true, lo: -127, hi: 127, variant: 'simd128' },  // the default for spans of 128..254
  { signed: true, lo: -128, hi: 127, variant: 'simd128' },
];

let src, best;  // src: the i7 set forced; best: the default choice
before(async () => {
  src = await launchSourcePage({ relaxedKernels: 'i7' });
  best = await launchSourcePage();
});
after(async () => {
  await src?.close();
  await best?.close();
});

// Runs `cases` in the page: each is { m, n, k, aSigned, range, fill, seed, zpEnds }; returns the
// first failures (described) and the variants seen. Data comes from a seeded PRNG in the page.
async function runInPage(cases, on = src) {
  return on.page.evaluate((cases) => {
    const qp = window.qp;
    const mulberry32 = (seed) => () => {
      seed = (seed + 0x6D2B79F5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const failures = [], variants = {};
    for (const c of cases) {
      const r = mulberry32(c.seed);
      const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
      const [aLo, aHi] = c.aSigned ? [-128, 127] : [0, 255];
      const { lo, hi } = c.range;
      const a = new (c.aSigned ? Int8Array : Uint8Array)(c.m * c.k);
      const b = new (c.range.signed ? Int8Array : Uint8Array)(c.k * c.n);
      for (let i = 0; i < a.length; i++) a[i] = c.fill === 'min' ? aLo : c.fill === 'max' ? aHi : int(aLo, aHi);
      for (let p = 0; p < c.k; p++) {
        for (let j = 0; j < c.n; j++) {
          b[p * c.n + j] = c.fill === 'min' ? lo : c.fill === 'max' ? hi : c.fill === 'alternate' ? ((p + j) % 2 ? hi : lo) : int(lo, hi);
        }
      }
      const [bLo, bHi] = c.range.signed ? [-128, 127] : [0, 255];
      const aZeroPoint = c.zpEnds ? (c.seed % 2 ? aHi : aLo) : int(aLo, aHi);
      const bZeroPoints = Array.from({ length: c.n }, (_, j) => (c.zpEnds ? (j % 2 ? bLo : bHi) : int(bLo, bHi)));
      const opts = { a, b, m: c.m, k: c.k, n: c.n, aZeroPoint, bZeroPoints, relaxedTwoDots: c.range.twoDots ?? false };
      const relaxed = qp.prepareMatmul({ ...opts, kind: 'int8-relaxed' });
      const ref = qp.prepareMatmul({ ...opts, kind: 'int8-ref' });
      try {
        relaxed.run();
        ref.run();
        const got = relaxed.output(), want = ref.output();
        const variant = relaxed.variant();
        variants[variant] = (variants[variant] ?? 0) + 1;
        if (c.expectVariant && variant !== `int8-relaxed/${c.expectVariant}`) {
          failures.push(`${JSON.stringify(c)}: variant ${variant}, expected ${c.expectVariant}`);
        }
        const i = want.findIndex((v, idx) => v !== got[idx]);
        if (i >= 0) {
          failures.push(`M=${c.m} N=${c.n} K=${c.k} A ${c.aSigned ? 'int8' : 'uint8'} B in [${lo}, ${hi}] fill=${c.fill} ` +
            `seed=${c.seed} za=${aZeroPoint} (${variant}): C[${Math.floor(i / c.n)}][${i % c.n}] (index ${i}) ` +
            `expected ${want[i]} got ${got[i]}`);
        }
      } finally {
        relaxed.release();
        ref.release();
      }
      if (failures.length >= 5) break;
    }
    return { failures, variants };
  }, cases);
}

test('the capability report says relaxed SIMD is installed in Chromium', () => {
  const caps = src.capabilities;
  assert.equal(caps.simd, true);
  assert.equal(caps.relaxedSimd, true, 'Chromium validates relaxed SIMD');
  assert.equal(caps.relaxedInstalled, true, `not installed: ${caps.relaxedReason}`);
  assert.equal(caps.relaxedReason, null);
  assert.equal(caps.threads, false);
  assert.equal(caps.crossOriginIsolated, true);  // the source page is served with COOP/COEP
  assert.equal(caps.relaxedKernels, 'i7');
  // The default page prefers the u8 set; which one it gets depends on the CPU (VNNI or not).
  assert.ok(['u8', 'i7'].includes(best.capabilities.relaxedKernels), JSON.stringify(best.capabilities));
});

// The u8 set's cases: the i7 cases' shapes and fills, every weight range in one full-range dot.
function u8Cases() {
  const cases = [];
  let seed = 1;
  for (const m of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33]) {
    for (const n of [1, 7, 8, 9, 16, 17, 33]) {
      for (const k of [1, 15, 16, 17, 31, 33]) {
        cases.push({ m, n, k, aSigned: (seed & 4) !== 0, range: RANGES[seed % RANGES.length], fill: 'random', seed,
          expectVariant: 'full-range' });
        seed++;
      }
    }
  }
  for (const range of RANGES) {
    for (const aSigned of [false, true]) {
      cases.push({ m: 1, n: 256, k: 784, aSigned, range, fill: 'random', seed: 100, expectVariant: 'full-range' });
      cases.push({ m: 64, n: 256, k: 784, aSigned, range, fill: 'random', seed: 101, expectVariant: 'full-range' });
      cases.push({ m: 257, n: 100, k: 257, aSigned, range, fill: 'random', seed: 102, expectVariant: 'full-range' });
      for (const fill of ['min', 'max', 'alternate']) {
        for (const k of [1, 17, 1024]) {
          cases.push({ m: 7, n: 17, k, aSigned, range, fill, zpEnds: true, seed: seed++, expectVariant: 'full-range' });
        }
      }
    }
  }
  return cases;
}

test('u8 set: int8-relaxed equals int8-ref on edge shapes, extreme codes and every weight range, in one dot', async (t) => {
  if (best.capabilities.relaxedKernels !== 'u8') {
    t.skip(`this CPU's relaxed dot is not exact for unsigned bytes (no VNNI lowering): the i7 set is used`);
    return;
  }
  const { failures, variants } = await runInPage(u8Cases(), best);
  assert.deepEqual(failures, []);
  assert.deepEqual(Object.keys(variants), ['int8-relaxed/full-range']);
});

test('int8-relaxed equals int8-ref on every small edge shape (uint8 and int8 activations, every weight range)', async () => {
  const cases = [];
  let seed = 1;
  for (const m of EDGE.filter((x) => x <= 33)) {
    for (const n of EDGE.filter((x) => x <= 33)) {
      for (const k of EDGE.filter((x) => x <= 33)) {
        cases.push({ m, n, k, aSigned: (seed & 4) !== 0, range: RANGES[seed % RANGES.length], fill: 'random', seed });
        seed++;
      }
    }
  }
  const { failures, variants } = await runInPage(cases);
  assert.deepEqual(failures, []);
  assert.ok(variants['int8-relaxed/one-dot'] > 100 && variants['int8-relaxed/two-dots'] > 100, JSON.stringify(variants));
});

test('int8-relaxed equals int8-ref on large and odd shapes, batch 1 and the benchmark shapes', async () => {
  const cases = [];
  const pick = (i) => EDGE[(i * 7 + 3) % EDGE.length];
  for (let seed = 1; seed <= 32; seed++) {
    cases.push({ m: pick(seed), n: pick(seed * 3 + 1), k: pick(seed * 5 + 2), aSigned: seed % 2 === 0,
      range: RANGES[seed % RANGES.length], fill: 'random', seed });
  }
  for (const range of RANGES) {
    for (const aSigned of [false, true]) {
      cases.push({ m: 1, n: 256, k: 784, aSigned, range, fill: 'random', seed: 100 });
      cases.push({ m: 64, n: 256, k: 784, aSigned, range, fill: 'random', seed: 101 });
      cases.push({ m: 257, n: 100, k: 257, aSigned, range, fill: 'random', seed: 102 });
    }
  }
  const { failures } = await runInPage(cases);
  assert.deepEqual(failures, []);
});

test('int8-relaxed equals int8-ref on extreme codes and zero points at the range ends; paths as documented', async () => {
  const cases = [];
  let seed = 1;
  for (const fill of ['min', 'max', 'alternate']) {
    for (const range of RANGES) {
      for (const aSigned of [false, true]) {
        for (const zpEnds of [false, true]) {
          for (const k of [1, 17, 257, 1024]) {
            cases.push({ m: 7, n: 17, k, aSigned, range, fill, zpEnds, seed: seed++,
              expectVariant: fill === 'alternate' && k > 1 ? range.variant : fill === 'alternate' ? null : 'one-dot' });
          }
        }
      }
    }
  }
  // All −128 / all 127 everywhere (constant weights: one dot).
  for (const v of [-128, 127]) {
    cases.push({ m: 9, n: 33, k: 257, aSigned: true, range: { signed: true, lo: v, hi: v }, fill: 'random', zpEnds: true,
      seed: seed++, expectVariant: 'one-dot' });
  }
  const { failures } = await runInPage(cases);
  assert.deepEqual(failures, []);
});

test("the load-time self-check accepts the kernel and refuses one with a wrong sum", async () => {
  // A copy of the kernel whose 1x8 dot for column 7 uses column 6's weights: wrong sums, valid module.
  const wat = readFileSync(path.join(root, 'src/kernels/gemm_q8_relaxed.wat'), 'utf8');
  const broken = wat.replace(/\(v128\.load offset=16 \(local\.get \$b3\)\)/, '(v128.load (local.get $b3))');
  assert.notEqual(broken, wat);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'qplay-relaxed-'));
  try {
    writeFileSync(path.join(tmp, 'broken.wat'), broken);
    execFileSync('wat2wasm', ['--enable-relaxed-simd', path.join(tmp, 'broken.wat'), '-o', path.join(tmp, 'broken.wasm')]);
    const good = Array.from(readFileSync(path.join(root, 'web/gen/qp_relaxed.wasm')));
    const bad = Array.from(readFileSync(path.join(tmp, 'broken.wasm')));
    // A u8 set whose group kernel uses the i7 set's dot (int16 pair sums): on x86 without a VNNI
    // lowering, and anywhere a byte ≥ 128 is read as signed, it is wrong on the self-check's input.
    const saturating = wat.replace(/\(func \(export "gemm_q8_relaxed_u8_micro_4x8"\)[\s\S]*?\(func \(export "gemm_q8_relaxed_u8_micro_1x8"\)/,
      (f) => f.replace(/\(i32x4\.dot_i8x16_i7x16_add_s \(local\.get (\$a\d)\) \(local\.get \$w\) \(local\.get (\$c\d\d)\)\)/g,
        '(i32x4.add (local.get $2) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $1) (local.get $w))))'));
    assert.notEqual(saturating, wat);
    writeFileSync(path.join(tmp, 'saturating.wat'), saturating);
    execFileSync('wat2wasm', ['--enable-relaxed-simd', path.join(tmp, 'saturating.wat'), '-o', path.join(tmp, 'saturating.wasm')]);
    const sat = Array.from(readFileSync(path.join(tmp, 'saturating.wasm')));
    const verdicts = await src.page.evaluate(async ([good, bad, sat]) => {
      const { relaxedKernelSelfCheck } = await import('/web/lib/relaxed.mjs');
      const check = (bytes, set) => relaxedKernelSelfCheck(new Uint8Array(bytes), set);
      return { i7: [check(good, 'i7'), check(bad, 'i7')], u8: [check(good, 'u8'), check(sat, 'u8'), check(sat, 'i7')] };
    }, [good, bad, sat]);
    assert.deepEqual(verdicts.i7, [true, false]);
    // The real u8 set passes exactly where the default page installed it; the saturating one never
    // passes the u8 check (its i7 kernels are untouched and still pass theirs).
    assert.deepEqual(verdicts.u8, [best.capabilities.relaxedKernels === 'u8', false, true]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the page loaded no error', () => {
  assert.deepEqual(src.errors, []);
  assert.deepEqual(best.errors, []);
});

test('the bundled site (dist/, under a sub-path) ships the kernel and its worker installs it', async () => {
  const assets = readdirSync(path.join(dist, 'assets'));
  assert.ok(assets.some((f) => /^qp_relaxed-.*\.wasm$/.test(f)), `no qp_relaxed-*.wasm in dist/assets: ${assets.join(' ')}`);
  const browser = await launchPage();
  try {
    const { page, problems } = browser;
    await page.waitForFunction(() => document.getElementById('results')?.dataset.state === 'idle', null, { timeout: 15000 });
    // A second instance of the page's own worker bundle, asked for its capability report.
    const workerUrl = page.workers().map((w) => w.url()).find((u) => /worker/.test(u));
    assert.ok(workerUrl, 'the page runs a worker');
    const hello = await page.evaluate((url) => new Promise((resolve, reject) => {
      const w = new Worker(url, { type: 'module' });
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage({ id: 1, type: 'hello' });
    }), workerUrl);
    assert.equal(hello.type, 'result', JSON.stringify(hello));
    assert.equal(hello.capabilities?.relaxedInstalled, true, JSON.stringify(hello.capabilities));
    assert.deepEqual(problems.foreign, []);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.console, []);
  } finally {
    await browser.close();
  }
});
