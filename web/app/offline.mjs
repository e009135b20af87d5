// Registers the service worker (dist/sw.js, from web/sw.js) that keeps the site usable offline on
// repeat visits, and says so in a modest line once the files are cached. Only in the vite build
// (import.meta.env.QP_SERVICE_WORKER is defined by scripts/vite_offline.mjs: not in the dev server,
// nor in the single file) and only over http(s): a service worker cannot run from file://.

/** The line shown once the site is cached. */
export const OFFLINE_READY = 'Available offline: this site keeps working without a network on this device.';

/**
 * siteRoot: the folder of dist/ relative to this page ('./' for the app, '../' for the article);
 * the worker's scope is that folder. footer: where to add the line once the site is cached (null:
 * no line).
 * Call it once the page's first view is up: the worker then precaches the rest without competing
 * with the page's own loading.
 */
export function offerOffline(siteRoot, footer) {
  const file = import.meta.env.QP_SERVICE_WORKER;
  if (!file || !('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  const scope = new URL(siteRoot, document.baseURI);
  navigator.serviceWorker.register(new URL(file, scope), { scope: scope.href }).catch(() => {
    // A browser that refuses (private mode, storage off, a host's policy): the site works online.
  });
  // `ready`: an active worker, which exists only once its install (the precache) succeeded.
  navigator.serviceWorker.ready.then(() => {
    if (!footer || footer.querySelector('.offline-note')) return;
    const line = document.createElement('p');
    line.className = 'offline-note';
    line.dataset.testid = 'offline-note';
    line.textContent = OFFLINE_READY;
    footer.append(line);
  });
}
