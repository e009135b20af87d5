// The service worker (issue #7, "Offline"): keeps the app, the article and the widgets usable
// offline on repeat visits. Not a module and not bundled: scripts/vite_offline.mjs writes it to
// dist/sw.js after this build's MANIFEST ({version, dataVersion, shell, data, wasm}, paths relative to the
// folder the site is served from). Registered by web/app/offline.mjs, over http(s) only; its scope
// is its own folder, so a site under a sub-path works and nothing outside it is touched.
//
// Strategies, by kind of file:
//   - hashed files (assets/name-HASH.ext) and the data: cache first, stored on first use when not
//     precached (the data; the WebAssembly cores this browser does not start with). A hashed name
//     never changes content, and the data's cache is named by the data's hash (a build with other
//     data uses a new cache), so a cached copy cannot be stale, and a repeat visit loads no byte of them;
//   - files with fixed names (the pages, qp-widgets.js, the example tensor): network first, the
//     cached copy when the network fails. A fixed name gets new content with each build: online,
//     the page is always the latest build (and then loads its own hashed files); offline, the
//     copies of the build this worker precached, which belong together.
// Only GET requests of this origin inside the scope are answered; anything else goes to the
// network untouched (the site requests no other origin, and this worker never does either). Only
// complete (200), same-origin ('basic') responses are stored: never errors, redirects or ranges.
/* global MANIFEST */

const SCOPE = new URL(self.registration.scope);
const SHELL_CACHE = `qp-shell-${MANIFEST.version}`;
const DATA_CACHE = `qp-data-${MANIFEST.dataVersion}`;
const OWN_CACHE = /^qp-(shell|data)-/;
const HASHED = /^assets\/.+-[\w-]{8}\.\w+$/;  // vite's [name]-[hash].ext
const DATA = new Set(MANIFEST.data);

const inScope = (path) => new URL(path, SCOPE).href;
const storable = (response) => response.status === 200 && response.type === 'basic';

/**
 * A host may redirect a page (embed.html → embed); a browser refuses to answer a navigation with a
 * redirected response from a service worker, so the stored copy is a plain one with its headers.
 */
async function unredirected(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The shell minus the WebAssembly cores this browser will not start with (as precachedShell in
 * scripts/vite_offline.mjs): SIMD where the probe validates (as web/lib/qplay.mjs decides), else
 * scalar; the threaded core only when used. Those are cached on first use, like every hashed file.
 */
function precachedShell() {
  const { simd: simdCore, scalar, threads, probe } = MANIFEST.wasm;
  const simd = typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(probe));
  const skip = new Set([threads, simd ? scalar : simdCore].filter(Boolean));
  return MANIFEST.shell.filter((path) => !skip.has(path));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // All or nothing: a failed file fails the install, and the previous worker (if any) stays.
    await Promise.all(precachedShell().map(async (path) => {
      // cache: 'reload' skips the HTTP cache: the copies are this build's files, not older ones.
      const response = await fetch(new Request(inScope(path), { cache: 'reload' }));
      if (!storable(response)) throw new Error(`${path}: ${response.status} ${response.type}`);
      await cache.put(inScope(path), await unredirected(response));
    }));
    // A new build takes over at once (no waiting for every tab to close): its pages are the ones
    // the server now sends, and the old build's files are gone from the server anyway.
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, DATA_CACHE]);
    for (const name of await caches.keys()) if (OWN_CACHE.test(name) && !keep.has(name)) await caches.delete(name);
    await self.clients.claim();  // the first visit's page is served from here from now on
  })());
});

/** The request's path relative to the scope ('' for the scope itself), or null outside it. */
function scopePath(url) {
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return null;
  return url.pathname.slice(SCOPE.pathname.length);
}

async function cacheFirst(request, cacheName, store) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (store && storable(response)) await cache.put(request, response.clone());
  return response;
}

/** key: the cached copy to fall back on (a page is stored under its folder's URL). */
async function networkFirst(request, key) {
  try {
    return await fetch(request);
  } catch (error) {
    const hit = await caches.match(key, { cacheName: SHELL_CACHE, ignoreSearch: true });
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  const path = scopePath(url);
  if (path === null) return;
  if (DATA.has(path)) event.respondWith(cacheFirst(request, DATA_CACHE, true));
  else if (HASHED.test(path)) event.respondWith(cacheFirst(request, SHELL_CACHE, true));
  else if (request.mode === 'navigate' || MANIFEST.shell.includes(path)) {
    event.respondWith(networkFirst(request, inScope(path.replace(/(^|\/)index\.html$/, '$1') || './')));
  }
});
