// The static server used by `npm start` and the browser tests: stays inside its folder and never
// crashes on hostile URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/serve.mjs';

const root = mkdtempSync(path.join(tmpdir(), 'qplay-serve-'));
mkdirSync(path.join(root, 'site'));
mkdirSync(path.join(root, 'site-secret'));
writeFileSync(path.join(root, 'site', 'index.html'), '<p>hi</p>');
writeFileSync(path.join(root, 'site', 'm.wasm'), 'wasm');
writeFileSync(path.join(root, 'site-secret', 'key.txt'), 'SECRET');

// Raw paths (no URL normalisation by the client).
function get(port, rawPath) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves files with MIME types and the CSP, refuses escapes, survives malformed URLs', async () => {
  const server = await startServer({ dir: path.join(root, 'site'), port: 0, prefix: '/sub' });
  const { port } = server.address();
  try {
    const page = await get(port, '/sub/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-security-policy'], /default-src 'self'/);
    assert.equal((await get(port, '/sub/m.wasm')).headers['content-type'], 'application/wasm');
    assert.equal((await get(port, '/subway/index.html')).status, 404);
    for (const p of ['/sub/..%2fsite-secret/key.txt', '/sub/../site-secret/key.txt', '/sub/%2e%2e/site-secret/key.txt']) {
      const r = await get(port, p);
      assert.notEqual(r.status, 200, p);
      assert.doesNotMatch(r.body, /SECRET/, p);
    }
    assert.equal((await get(port, '/sub/%')).status, 400);
    assert.equal((await get(port, '/sub/missing.txt')).status, 404);
    assert.equal((await get(port, '/sub/')).status, 200, 'still alive');
  } finally {
    server.close();
  }
});
