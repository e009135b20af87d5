// The single-file page's stand-in for fetch() of its bundled files: from file:// Chromium refuses
// every fetch of a file: URL, so the files the page would fetch travel inside the HTML (base64)
// and fetch() answers them from there. Every other URL goes to the real fetch() (data: URLs, and
// the error any other request deserves).

/**
 * Installs the stand-in on `scope` (window or the worker's self).
 * @param {Record<string, string>} assets   path relative to the site root -> base64 bytes
 * @param {Record<string, string>} missing  path -> why it is not in the single file (a user message)
 */
export function installAssetFetch(scope, assets, missing = {}) {
  const realFetch = scope.fetch.bind(scope);
  const find = (table, url) => Object.keys(table).find((path) => url === path || url.endsWith(`/${path}`));
  scope.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = find(assets, url);
    if (path !== undefined) {
      const binary = atob(assets[path]);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return new Response(bytes, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
    }
    const absent = find(missing, url);
    if (absent !== undefined) {
      // Named like the core's errors, so the page shows the message as it is (not as an internal error).
      const error = new Error(missing[absent]);
      error.name = 'QplayError';
      throw error;
    }
    return realFetch(input, init);
  };
}
