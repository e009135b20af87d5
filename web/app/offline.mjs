// Registers the service worker (dist/sw.js, from web/sw.js) that keeps the site usable offline on
// repeat visits, and says so in a modest line once the files are cached. Only in the vite build
// (import.meta.env.QP_SERVICE_WORKER is defined by scripts/vite_offline.mjs: not in the dev server,
// nor in the single file) and only over http(s): a service worker cannot run from file://.

/** The line shown once the site is cached. */
export const OFFLINE_READY = 'Available offline: this site keeps working without a network on this device.';
/** The line shown when a newer build took over while this page was open. */
export const NEW_VERSION = 'A new version of the playground is installed: reload the page to use it.';

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
  // A new worker taking over a page the previous one served is a new build (web/sw.js takes over
  // at once). If this page's own entry script is not among the new build's cached files, this
  // page is the older build: its lazily loaded code may be gone from the server and the cache, so
  // it asks for a reload. (The first visit's takeover, with no previous worker, is no update.)
  if (navigator.serviceWorker.controller) {
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      const entry = document.querySelector('script[type="module"][src]')?.src;
      const worker = navigator.serviceWorker.controller;
      if (!entry || !footer || !worker) return;
      // The controller changes when the new worker starts activating, before its activate handler
      // has deleted the old build's cache: look once it is activated.
      const check = () => caches.match(entry).then((hit) => { if (!hit) say(footer, 'update-note', NEW_VERSION, true); }, () => {});
      if (worker.state === 'activated') check();
      else worker.addEventListener('statechange', () => { if (worker.state === 'activated') check(); });
    });
  }
  navigator.serviceWorker.register(new URL(file, scope), { scope: scope.href }).catch(() => {
    // A browser that refuses (private mode, storage off, a host's policy): the site works online.
  });
  // `ready`: an active worker, which exists only once its install (the precache) succeeded.
  navigator.serviceWorker.ready.then(() => {
    if (footer) say(footer, 'offline-note', OFFLINE_READY, false);
  });
}

/** Adds a line to the footer once (`testid` names it); `reload`: with a Reload button. */
function say(footer, testid, text, reload) {
  if (footer.querySelector(`[data-testid="${testid}"]`)) return;
  const line = document.createElement('p');
  line.className = 'offline-note';
  line.dataset.testid = testid;
  line.textContent = text;
  if (reload) {
    line.setAttribute('role', 'status');
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Reload' });
    button.addEventListener('click', () => location.reload());
    line.append(' ', button);
  }
  footer.append(line);
}
