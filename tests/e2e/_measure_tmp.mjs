// first view: JS/wasm bytes fetched until the first result, and the time to it
import { chromium } from 'playwright-core';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
const { startServer } = await import('/work/wt-app/scripts/serve.mjs');
const dir = process.argv[2];
const server = await startServer({ dir, port: 0, prefix: '/app/' });
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const times = [];
let files;
for (let run = 0; run < 3; run++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const seen = [];
  ctx.on('request', (r) => seen.push(r.url()));
  await page.goto(`${origin}/app/`);
  await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 60000 });
  times.push(await page.evaluate(() => Math.round(performance.now())));
  const n = seen.length; await page.waitForTimeout(4000); if (run === 2) console.log("after idle:", seen.slice(n).map((u) => u.split("/").pop()).join(" "));
  files = [...new Set(seen)].filter((u) => /\.(m?js|wasm)$/.test(u));
  await ctx.close();
}
let raw = 0, gz = 0;
for (const u of files) {
  const f = path.join(dir, new URL(u).pathname.replace(/^\/app\//, ''));
  const b = readFileSync(f);
  raw += b.length; gz += gzipSync(b, { level: 9 }).length;
  console.log(path.basename(f), b.length, gzipSync(b, { level: 9 }).length);
}
console.log(`first view JS+wasm: ${raw} B raw, ${gz} B gzip-9; first result at ${times.join(', ')} ms`);
await browser.close();
server.close();
