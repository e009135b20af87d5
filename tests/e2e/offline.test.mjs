// Offline use (issue #7): the service worker (web/sw.js, written to dist/sw.js by
// scripts/vite_offline.mjs) caches the site on the first visit, served under a sub-path with
// COOP/COEP; with the network off, a reload still starts the app (the wasm core, the default tensor
// quantized) and the Network tab still loads its model and images, cached on first use; the
// article and its widgets load too; no request goes to another origin. Then a new build (one page changed) replaces the old cache on the next
// online visit. Serves a copy of dist/ (it is changed), in a temporary folder.
// Needs dist/ (`node node_modules/vite/bin/vite.js build`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PREFIX, dist, launchPage } from './browser.mjs';
import { manifestOfFolder, manifestOfWorker, precachedShell, serviceWorkerSource } from '../../scripts/vite_offline.mjs';

let site, env, page;

before(async () => {
  site = mkdtempSync(path.join(os.tmpdir(), 'qplay-offline-'));
  cpSync(dist, site, { recursive: true });
  env = await launchPage({ dir: site });
  page = env.page;
});

after(async () => {
  await env?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

const idle = () => page.waitForFunction(() => {
  if (!document.getElementById('error').hidden) return true;
  const results = document.getElementById('results');
  return results.dataset.state === 'idle' && results.dataset.options;
}, null, { timeout: 20_000 });
const errorText = () => page.evaluate(() => (document.getElementById('error').hidden ? '' : document.getElementById('error-text').textContent));
const cacheNames = () => page.evaluate(() => caches.keys());
/** Cached URLs of one cache, relative to the app's folder. */
const cachedPaths = (name, base) => page.evaluate(async ([name, base]) =>
  (await (await caches.open(name)).keys()).map((r) => (r.url.startsWith(base) ? r.url.slice(base.length) || './' : r.url)), [name, base]);

async function networkTab() {
  await page.click('[data-testid="tab-network"]');
  await page.waitForFunction(() => ['ready', 'empty', 'failed'].includes(document.getElementById('panel-network').dataset.state),
    null, { timeout: 30_000 });
  return page.evaluate(() => document.getElementById('panel-network').dataset.state);
}

test('dist/sw.js lists every file of the build: the shell to precache, the data on demand', () => {
  const manifest = manifestOfWorker(readFileSync(path.join(dist, 'sw.js'), 'utf8'));
  // From the files on disk (the plugin lists vite's bundle and web/public/): the same list.
  assert.deepEqual(manifest, manifestOfFolder(dist));
  for (const needed of ['./', 'docs/', 'embed.html', 'qp-widgets.js', 'examples/linear_256x512.npy'])
    assert.ok(manifest.shell.includes(needed), `the shell has ${needed}`);
  assert.ok(manifest.shell.some((p) => /^assets\/qp_wasm-[\w-]{8}\.wasm$/.test(p)), 'the shell has the SIMD core');
  assert.ok(!manifest.shell.includes('sw.js') && !manifest.shell.includes('index.html'));
  assert.ok(manifest.data.includes('models/mlp.safetensors') && manifest.data.every((p) => /^(models|fmnist)\//.test(p)));
});

test('first visit: the worker controls the page, precaches the shell, and says so', async () => {
  await idle();
  assert.equal(await errorText(), '');
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 30_000 });
  await page.waitForSelector('footer [data-testid="offline-note"]', { timeout: 10_000 });
  assert.match(await page.textContent('footer [data-testid="offline-note"]'), /Available offline/);
  const { version } = manifestOfFolder(site);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, `${env.origin}${PREFIX}`, 'scoped to the folder the site is served from');
  assert.ok((await cacheNames()).includes(`qp-shell-${version}`), `caches: ${await cacheNames()}`);
  // Every file of the build but the worker itself, the data and the cores this browser does not
  // start with (Chromium has SIMD: the scalar and threaded cores) is in the cache: listed from disk.
  const onDisk = manifestOfFolder(site);
  const cached = await cachedPaths(`qp-shell-${version}`, `${env.origin}${PREFIX}`);
  assert.deepEqual([...cached].sort(), [...precachedShell(onDisk, true)].sort());
  assert.ok(!cached.includes(onDisk.wasm.scalar) && !cached.includes(onDisk.wasm.threads) && cached.includes(onDisk.wasm.simd));
  assert.ok(onDisk.shell.length > 30);
  // The Network tab while online: its model and images are cached on first use.
  assert.equal(await networkTab(), 'ready');
  // The Kernels tab of a cross-origin isolated page loads the threaded core: cached on that use.
  if (await page.evaluate(() => crossOriginIsolated)) {
    await page.click('[data-testid="tab-kernels"]');
    await page.waitForFunction(() => document.getElementById('cap-build').dataset.value !== undefined, null, { timeout: 30_000 });
    await page.waitForFunction(async (threads) => (await (await caches.open((await caches.keys()).find((n) => n.startsWith('qp-shell-'))))
      .keys()).some((r) => r.url.endsWith(threads)), onDisk.wasm.threads, { timeout: 30_000 });
    await page.click('[data-testid="tab-tensor"]');
  }
});

test('offline: a reload starts the app from the cache, and the Network tab loads its model', async () => {
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const served = [];
  const onResponse = (r) => served.push({ url: r.url(), fromWorker: r.fromServiceWorker(), status: r.status() });
  page.on('response', onResponse);
  await env.context.setOffline(true);
  try {
    // The network really is off: a request the worker does not answer (outside its scope) fails.
    const outside = await page.evaluate(async (url) => fetch(url).then(() => 'loaded', () => 'failed'), `${env.origin}/elsewhere`);
    assert.equal(outside, 'failed');
    await page.reload();
    await idle();
    assert.equal(await errorText(), '', 'the app starts offline');
    assert.ok(await page.evaluate(() => document.getElementById('results').dataset.source), 'the default tensor is shown');
    assert.equal(await page.evaluate(() => crossOriginIsolated), isolated, 'the cached page keeps its COOP/COEP headers');
    assert.equal(await networkTab(), 'ready', await page.textContent('[data-testid="net-error"]'));
    const wasm = served.filter((r) => r.url.endsWith('.wasm'));
    assert.ok(wasm.length > 0 && wasm.every((r) => r.fromWorker && r.status === 200), JSON.stringify(wasm));
    assert.ok(served.some((r) => /models\/\w+\.safetensors$/.test(r.url) && r.fromWorker), 'the model came from the cache');
    assert.deepEqual(served.filter((r) => r.status >= 400), [], 'no failed response');
    // The article too: its page, the widgets' bundle and a widget's core, from the cache.
    await page.goto(`${env.origin}${PREFIX}docs/`);
    await page.waitForSelector('footer [data-testid="offline-note"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('qp-value')?.dataset.state === 'ready', null, { timeout: 20_000 });
    assert.ok(served.some((r) => r.url.endsWith('/qp-widgets.js') && r.fromWorker), 'the widgets came from the cache');
    await page.goto(`${env.origin}${PREFIX}`);
    await idle();
  } finally {
    page.off('response', onResponse);
    await env.context.setOffline(false);
  }
  // Nothing but this origin's files under the app's folder was ever cached, nor requested.
  for (const name of await cacheNames())
    for (const url of await cachedPaths(name, `${env.origin}${PREFIX}`)) assert.ok(!/^[a-z]+:/.test(url), `${name} holds ${url}`);
  assert.deepEqual(env.problems.foreign, []);
  assert.deepEqual(env.problems.pageErrors, []);
  assert.deepEqual(env.problems.console.filter((m) => /Content.Security.Policy|Refused/i.test(m)), []);
  // The one console error: the deliberate request outside the worker's scope while offline.
  assert.deepEqual(env.problems.console.filter((m) => !/ERR_INTERNET_DISCONNECTED/.test(m)), []);
  assert.ok(env.problems.console.length <= 1, env.problems.console.join('\n'));
});

test('a new build replaces the old cache on the next visit; the unchanged data cache stays', async () => {
  const before = manifestOfFolder(site);
  // A "new build": one page changes, and sw.js gets the new manifest, as the build would write it.
  appendFileSync(path.join(site, 'embed.html'), '<!-- build 2 -->\n');
  const worker = readFileSync(path.join(site, 'sw.js'), 'utf8');
  const after = manifestOfFolder(site);
  assert.notEqual(after.version, before.version);
  assert.equal(after.dataVersion, before.dataVersion);
  writeFileSync(path.join(site, 'sw.js'), serviceWorkerSource(after, worker.slice(worker.indexOf('\n', worker.indexOf('const MANIFEST')) + 1)));

  await page.reload();  // the browser checks sw.js on navigation: a changed file installs the new worker
  await idle();
  let names = [];
  for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 200))) {
    names = await cacheNames();
    if (names.includes(`qp-shell-${after.version}`) && names.filter((n) => n.startsWith('qp-shell-')).length === 1) break;
  }
  assert.ok(names.includes(`qp-shell-${after.version}`), `the new build is cached: ${names}`);
  assert.ok(!names.includes(`qp-shell-${before.version}`), `the old cache is deleted: ${names}`);
  assert.ok(names.includes(`qp-data-${before.dataVersion}`), 'the data cache is kept (same data)');
  // Offline, the new copy of the changed page is served.
  await env.context.setOffline(true);
  try {
    const text = await page.evaluate(async (url) => (await fetch(url)).text(), `${env.origin}${PREFIX}embed.html`);
    assert.match(text, /build 2/);
  } finally {
    await env.context.setOffline(false);
  }
  // This page's own code is the new build's too (only embed.html changed): no update note.
  assert.equal(await page.locator('[data-testid="update-note"]').count(), 0);
  assert.deepEqual(env.problems.foreign, []);
});

/** Writes sw.js for the folder as it now is, as the build would. */
function rewriteWorker() {
  const worker = readFileSync(path.join(site, 'sw.js'), 'utf8');
  writeFileSync(path.join(site, 'sw.js'), serviceWorkerSource(manifestOfFolder(site), worker.slice(worker.indexOf('\n', worker.indexOf('const MANIFEST')) + 1)));
}

test('a build with new app code while the page is open: the page asks for a reload', async () => {
  // A "new build" whose entry script has a new hash; the old one is gone from the server.
  const html = readFileSync(path.join(site, 'index.html'), 'utf8');
  const entry = html.match(/src="\.\/(assets\/main-[\w-]+\.js)"/)[1];
  const renamed = entry.replace('main-', 'main2-');
  renameSync(path.join(site, entry), path.join(site, renamed));
  writeFileSync(path.join(site, 'index.html'), html.replace(entry, renamed));
  rewriteWorker();
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await page.waitForSelector('footer [data-testid="update-note"]', { timeout: 30_000 });
  assert.match(await page.textContent('footer [data-testid="update-note"]'), /new version .* reload/i);
  // Reload: the new build runs, and says nothing more about an update.
  await page.click('footer [data-testid="update-note"] button');
  await page.waitForFunction((src) => document.querySelector('script[type="module"][src]')?.src.endsWith(src), renamed);
  await idle();
  assert.equal(await errorText(), '');
  assert.equal(await page.locator('[data-testid="update-note"]').count(), 0);
});
