#!/usr/bin/env node
// A small static file server for dist/ (or any folder): correct MIME types (application/wasm),
// no caching, 127.0.0.1 only. Sends COOP/COEP so the page is cross-origin isolated (needed by the
// threaded build later); `--no-isolation` serves without them, as a plain static host would.
//   node scripts/serve.mjs [--dir dist] [--port 8080] [--prefix /sub/path/] [--no-isolation]
// Also used by the browser tests (startServer).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The page carries the same policy in a <meta> tag, but a Worker's policy comes only from the
// HTTP headers of its own script: sending it on every response enforces it in the Worker too.
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
  "worker-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'";

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.npy': 'application/octet-stream', '.npz': 'application/zip', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip', '.webmanifest': 'application/manifest+json',
};

// csp: the policy sent with every response; the GEMM bench page passes one that also admits its
// inline import map by hash (scripts/bench_gemm_browser.mjs).
export function startServer({ dir, port = 8080, host = '127.0.0.1', prefix = '/', isolation = true,
  csp = CONTENT_SECURITY_POLICY } = {}) {
  const base = path.resolve(dir);
  const dirPrefix = prefix.endsWith('/') ? prefix : `${prefix}/`;  // '/sub' must not match '/subway' 
  // Error replies carry the same policy as files, so no response of this server goes without it.
  const fail = (res, status, text) =>
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Security-Policy': csp }).end(text);
  const server = createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      fail(res, 400, 'bad request');
      return;
    }
    if (!rel.startsWith(dirPrefix)) { fail(res, 404, 'not found'); return; }
    rel = rel.slice(dirPrefix.length);
    let file = path.join(base, rel);
    // Inside base only: a sibling such as base + '-secret' must not match.
    if (file !== base && !file.startsWith(base + path.sep)) { fail(res, 403, 'forbidden'); return; }
    try {
      if (statSync(file).isDirectory()) file = path.join(file, 'index.html');
      statSync(file);
    } catch {
      fail(res, 404, 'not found');
      return;
    }
    const headers = {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': csp,
      // Documentation pages on other origins load the widgets (docs/widgets.md): module scripts,
      // the worker, the wasm and the models are CORS requests, and a cross-origin isolated page
      // only takes resources that opt in with CORP. Everything here is public static files.
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const stream = createReadStream(file);
    stream.once('error', () => {  // e.g. unreadable: answer, never crash the server
      if (!res.headersSent) fail(res, 500, 'cannot read file');
      else res.end();
    });
    stream.once('open', () => {
      res.writeHead(200, headers);
      stream.pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const dir = opt('--dir', path.join(root, 'dist'));
  const port = Number(opt('--port', process.env.PORT ?? 8080));
  const prefix = opt('--prefix', '/');
  try {
    statSync(path.join(dir, 'index.html'));
  } catch {
    console.error(`${dir}/index.html is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  startServer({ dir, port, prefix, isolation: !args.includes('--no-isolation') }).then(
    () => console.log(`Quantization Playground: http://127.0.0.1:${port}${prefix}  (Ctrl-C stops)`),
    (e) => {
      console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: try PORT=8081 npm start` : e.message);
      process.exit(1);
    });
}
