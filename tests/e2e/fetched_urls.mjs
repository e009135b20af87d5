// Static privacy check of the built site: finds every absolute http(s) URL in dist/'s HTML, CSS
// and JS that the browser would *fetch* (a script or style source, an image, an @import, a string
// handed to fetch/import), as opposed to text that merely contains one (a warning message, a
// licence comment, a link the reader may click, an XML namespace). Pure functions, no DOM.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// XML namespaces are identifiers passed to createElementNS and the like: never requested.
const NAMESPACES = [
  'http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1999/xlink',
  'http://www.w3.org/1998/Math/MathML', 'http://www.w3.org/2000/xmlns/', 'http://www.w3.org/XML/1998/namespace',
];
const isNamespace = (url) => NAMESPACES.some((ns) => url === ns || url === `${ns}/`);

// HTML attributes whose value the browser loads by itself (or submits to). <a href> is navigation
// the reader chooses, so it is not here.
const LOADING_ATTRIBUTES = new Set(['src', 'srcset', 'poster', 'data', 'action', 'formaction', 'background',
  'manifest', 'imagesrcset', 'ping']);
const ABSOLUTE = /^\s*(https?:)?\/\//i;  // protocol-relative //host/... loads from another origin too

/** Absolute URLs loaded by a CSS text: url(...) (also inside @import) and @import "…". */
export function fetchedInCss(css) {
  const found = [];
  for (const m of css.matchAll(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi)) if (ABSOLUTE.test(m[2])) found.push(m[2].trim());
  for (const m of css.matchAll(/@import\s+(["'])([^"']*)\1/gi)) if (ABSOLUTE.test(m[2])) found.push(m[2].trim());
  return found;
}

/** Absolute URLs an HTML text loads: loading attributes, <link href>, inline CSS, meta refresh. */
export function fetchedInHtml(html) {
  const found = [];
  // Text inside elements is not parsed as tags (a snippet shows "&lt;script src=…" escaped).
  const source = html.replace(/<!--[\s\S]*?-->/g, '');
  for (const tag of source.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g)) {
    const name = tag[1].toLowerCase();
    const attributes = [...tag[2].matchAll(/([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)]
      .map((a) => [a[1].toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '']);
    for (const [attr, value] of attributes) {
      const loads = LOADING_ATTRIBUTES.has(attr) || (attr === 'href' && name !== 'a' && name !== 'area');
      if (loads) {
        const urls = attr.endsWith('srcset') ? value.split(',').map((c) => c.trim().split(/\s+/)[0]) : [value];
        for (const url of urls) if (ABSOLUTE.test(url)) found.push(url.trim());
      }
      if (attr === 'style') found.push(...fetchedInCss(value));
      if (name === 'meta' && attr === 'content' && /url\s*=\s*(https?:)?\/\//i.test(value)) found.push(value);
    }
  }
  for (const style of source.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) found.push(...fetchedInCss(style[1]));
  return found.filter((url) => !isNamespace(url));
}

/**
 * Absolute URLs in JS that start a string or template literal, or an import specifier: what
 * fetch(), import(), new Worker(), a src property or a URL constructor would load. A URL inside a
 * sentence (emscripten's "see https://emscripten.org/…" warning) or a comment is preceded by other
 * text and is not counted.
 */
export function fetchedInJs(js) {
  const found = [];
  for (const m of js.matchAll(/(["'`])(https?:\/\/[^"'`\s]*)/g)) if (!isNamespace(m[2])) found.push(m[2]);
  for (const m of js.matchAll(/(["'`])\/\/([a-z0-9-]+\.)+[a-z]{2,}\//gi)) found.push(m[0].slice(1));
  return found;
}

const SCANNERS = { '.html': fetchedInHtml, '.htm': fetchedInHtml, '.css': fetchedInCss, '.js': fetchedInJs,
  '.mjs': fetchedInJs, '.cjs': fetchedInJs };

/** [{ file, url }] for every fetched absolute URL in the text files of `dir` (relative paths). */
export function scanDirectory(dir) {
  const found = [];
  const walk = (sub) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (SCANNERS[path.extname(entry.name)])
        for (const url of SCANNERS[path.extname(entry.name)](readFileSync(path.join(dir, rel), 'utf8'))) found.push({ file: rel, url });
    }
  };
  walk('');
  return found;
}

/** The script-src directive of a policy string, as a list of sources (null if absent). */
export function scriptSources(policy) {
  const directives = policy.split(';').map((d) => d.trim().split(/\s+/));
  const script = directives.find((d) => d[0].toLowerCase() === 'script-src') ??
    directives.find((d) => d[0].toLowerCase() === 'default-src');
  return script ? script.slice(1) : null;
}

/** Problems of a CSP for this site: script-src must be exactly 'self' 'wasm-unsafe-eval'-strict. */
export function scriptPolicyProblems(policy) {
  if (!policy) return ['no Content-Security-Policy'];
  const sources = scriptSources(policy);
  if (!sources) return ['no script-src (nor default-src)'];
  const problems = [];
  for (const need of ["'self'", "'wasm-unsafe-eval'"]) if (!sources.includes(need)) problems.push(`script-src lacks ${need}`);
  for (const bad of ["'unsafe-eval'", "'unsafe-inline'", '*', 'data:', 'blob:', 'http:', 'https:'])
    if (sources.includes(bad)) problems.push(`script-src allows ${bad}`);
  for (const s of sources) if (/^(https?:)?\/\/|^[\w-]+\.[\w.-]+/.test(s)) problems.push(`script-src allows another origin: ${s}`);
  return problems;
}
