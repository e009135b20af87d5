// The pthreads build in headless Chromium: loaded only in a cross-origin isolated page, its
// threaded matmuls equal the single-thread SIMD build's bit for bit, and without COOP/COEP it is
// refused with a clear message. Serves the repository itself (web/lib, web/gen), not dist/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { root } from './browser.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

async function openRepoPage(isolation) {
  // blank.html's inline import map (fflate for web/lib) needs 'unsafe-inline'; test server only.
  const csp = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'self'";
  const server = await startServer({ dir: root, port: 0, prefix: '/', isolation, csp });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qplay-threads-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  cleanups.push(async () => {
    await context.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin}/tests/e2e/blank.html`);
  return { page, errors };
}

test('threads build: cross-origin isolated, same int8 and float32 results as the SIMD build', { timeout: 120000 }, async () => {
  const { page, errors } = await openRepoPage(true);
  const r = await page.evaluate(async () => {
    const { loadQplay, canUseThreads } = await import('/web/lib/qplay.mjs');
    const isolated = self.crossOriginIsolated;
    const threaded = await loadQplay({ build: 'threads' });
    const simd = await loadQplay({ build: 'simd' });
    const [m, k, n] = [64, 784, 256];
    let s = 7;
    const next = () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    const a = Uint8Array.from({ length: m * k }, next);
    const b = Int8Array.from({ length: k * n }, () => next() - 128);
    const af = Float32Array.from(a, (v) => v / 64 - 2), bf = Float32Array.from(b, (v) => v / 64);
    const same = (x, y) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    const ints = [threaded, simd].map((q) => q.matmulInteger(a, [m, k], b, [k, n], { aZeroPoint: 131 }));
    const floats = [threaded, simd].map((q) => { const p = q.prepareMatmul({ kind: 'f32', a: af, b: bf, m, k, n }); p.run(); const o = p.output(); p.release(); return o; });
    const time = (q) => { const p = q.prepareMatmul({ a, b, m, k, n, aZeroPoint: 131 }); p.run(3); const t0 = performance.now(); p.run(20); const ms = (performance.now() - t0) / 20; p.release(); return 2 * m * k * n / ms / 1e6; };
    return { isolated, canUse: canUseThreads(), build: threaded.build, threads: threaded.setThreads(navigator.hardwareConcurrency).threads,
      intsEqual: same(ints[0], ints[1]), floatsEqual: same(floats[0], floats[1]), nonzero: ints[0].some((v) => v !== 0),
      gopsThreads: time(threaded), gopsSimd: time(simd) };
  });
  console.log(`threads build: ${r.threads} threads, int8 64×784×256 ${r.gopsThreads.toFixed(1)} GOPS vs single-thread SIMD ${r.gopsSimd.toFixed(1)} GOPS (shared machine)`);
  assert.equal(r.isolated, true);
  assert.equal(r.canUse, true);
  assert.equal(r.build, 'threads');
  assert.ok(r.threads >= 1);
  assert.equal(r.nonzero, true);
  assert.equal(r.intsEqual, true, 'int8 matmul: threads build differs from SIMD build');
  assert.equal(r.floatsEqual, true, 'float32 matmul: threads build differs from SIMD build');
  assert.deepEqual(errors, []);
});

test('threads build: refused with a clear message when the page is not cross-origin isolated', { timeout: 60000 }, async () => {
  const { page } = await openRepoPage(false);
  const message = await page.evaluate(async () => {
    const { loadQplay } = await import('/web/lib/qplay.mjs');
    try { await loadQplay({ build: 'threads' }); return 'loaded'; } catch (e) { return `${e.name}: ${e.message}`; }
  });
  assert.match(message, /QplayError: the threaded build needs SharedArrayBuffer, i\.e\. a cross-origin isolated page/);
});
