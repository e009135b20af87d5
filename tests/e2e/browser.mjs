// Shared setup of the browser tests: dist/ served under a sub-path, headless Debian Chromium via
// playwright-core, every request to another origin recorded and refused, console errors, page
// errors and CSP violations collected for a final check.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dist = path.join(root, 'dist');
export const outDir = path.join(root, 'test-results');
export const PREFIX = '/sub/app/';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A second origin for embedding tests: serves `pages` (path -> () => {body, headers?}) from memory
 * on another port of 127.0.0.1; anything else is a 404. Resolves {server, origin}.
 */
export async function startPageServer(pages) {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url, 'http://x').pathname];
    if (!page) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    const { body, headers = {}, type = 'text/html; charset=utf-8' } = page();
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/**
 * Starts the server and the browser and opens the page. close() undoes everything.
 * allowedOrigins: further origins (e.g. startPageServer's) whose requests are not foreign.
 * dir: the built site to serve (default dist/; the offline test serves a copy it changes).
 */
export async function launchPage({ viewport = { width: 1280, height: 900 }, allowedOrigins = [], dir = dist } = {}) {
  if (!existsSync(path.join(dir, 'index.html')))
    throw new Error(`${dir} is not built (no index.html): run \`node scripts/build.mjs\` first`);
  const problems = { console: [], pageErrors: [], csp: [], foreign: [] };
  const server = await startServer({ dir, port: 0, prefix: PREFIX });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'qplay-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport, acceptDownloads: true,
    args: CHROMIUM_ARGS,
  });
  const ours = (url) => [origin, ...allowedOrigins].some((o) => url.startsWith(`${o}/`));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (ours(url)) return route.continue();
    problems.foreign.push(url);
    return route.abort();
  });
  context.on('request', (r) => {
    const url = r.url();
    if (!ours(url) && !/^(data|blob):/.test(url) && !problems.foreign.includes(url)) problems.foreign.push(url);
  });
  const onConsole = (where) => (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning' && /Content.Security.Policy/i.test(msg.text()))
      problems.console.push(`${where}: ${msg.text()}`);
  };
  context.on('console', onConsole('page'));
  context.on('weberror', (e) => problems.pageErrors.push(String(e.error())));
  await context.addInitScript(() => {
    self.__csp = [];
    self.addEventListener('securitypolicyviolation', (e) => self.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => problems.pageErrors.push(e.message));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  await page.goto(`${origin}${PREFIX}`);
  const close = async () => {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, context, origin, problems, close };
}
