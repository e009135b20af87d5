#!/usr/bin/env node
// Builds the single-file page dist-single/quantization-playground.html: the whole app in one HTML
// file that works when opened from file:// (a downloaded file, no server), where Chromium refuses
// module scripts, fetches of file: URLs and module workers. So everything is inline:
//   - the page's code: one classic script (web/single/main_entry.mjs bundled as an IIFE), allowed
//     by its hash in the page's Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval');
//   - the CSS: one <style> block (from vite's dist/ build), allowed by its hash;
//   - the worker: classic code in a non-executed <script type="text/plain"> block, started from a
//     blob: URL (web/single/worker_factory.mjs replaces start_worker.mjs's `new Worker(new URL(...))`); the
//     Compare tab's second core is the same code, started by the worker from its own source text
//     (web/single/nested_worker.mjs: Chromium refuses a nested worker from the page's blob: URL);
//   - the core: the SIMD build with the wasm inlined as base64 (CMake target qp_wasm_single);
//     the scalar and threaded builds are left out (web/single/no_build.mjs);
//   - the bundled example tensor, and for the Network tab the CNN with the first 1000 test images
//     and the first 1000 training images (the calibration set), as base64 JSON blocks that the
//     page's and the worker's fetch() answer from (web/single/asset_fetch.mjs). The MLP (0.9 MB)
//     is not included: its option is disabled with a note (a fetch of it would say why), and the
//     user can open mlp.safetensors, or any network and IDX data, with the Network tab's inputs.
// Needs web/gen/qp_wasm_single.cjs (cmake --build build/wasm --target qp_wasm_single) and dist/
// (vite build: the CSS, the example). Run by scripts/build.mjs after vite.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { gunzipSync, gzipSync } from 'node:zlib';
import { build } from 'vite';
import { BUNDLED } from '../web/lib/datasets.mjs';
import { EXAMPLE } from '../web/app/tensors.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const web = path.join(root, 'web');
const dist = path.join(root, 'dist');
export const SINGLE_DIR = path.join(root, 'dist-single');
export const SINGLE_FILE = path.join(SINGLE_DIR, 'quantization-playground.html');
const SINGLE_CORE = path.join(web, 'gen/qp_wasm_single.cjs');
const NETWORK_SAMPLES = 1000;

// The Content-Security-Policy of the single file: nothing from anywhere but the file itself.
function policy(scriptHash, styleHash) {
  return ["default-src 'none'", `script-src '${scriptHash}' 'wasm-unsafe-eval'`, 'worker-src blob:',
    `style-src '${styleHash}'`, 'img-src data: blob:', 'connect-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');
}

function need(file, how) {
  if (!existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: ${how}`);
  return file;
}

const sha256 = (text) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
const base64 = (bytes) => Buffer.from(bytes).toString('base64');

// ---- bundling -----------------------------------------------------------------------------------

/** Swaps modules by resolved path: the ES-module core builds for the single-file ones. */
function swapModules(table) {
  return {
    name: 'qp-single-swap-modules',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && table[resolved.id] ? table[resolved.id] : null;
    },
  };
}

/** `new URL('<file>', import.meta.url)` of a file beside the code: a data: URL of its bytes. */
function inlineFileUrls() {
  return {
    name: 'qp-single-inline-file-urls',
    enforce: 'pre',
    transform(code, id) {
      if (!id.startsWith(web) || !code.includes('import.meta.url')) return null;
      return code.replace(/new URL\((['"])([^'"]+\.wasm)\1,\s*import\.meta\.url\)/g, (_, q, rel) => {
        const file = need(path.resolve(path.dirname(id), rel), 'build the WebAssembly core first');
        return `new URL(${JSON.stringify(`data:application/wasm;base64,${base64(readFileSync(file))}`)})`;
      });
    },
  };
}

/**
 * The app's module workers become classic blob: workers: start_worker.mjs's worker (web/single/
 * worker_factory.mjs) and, inside it, worker_compare.mjs's second core (web/single/nested_worker.mjs).
 */
function swapWorkers() {
  const swaps = [
    { module: 'app/start_worker.mjs', script: 'worker.mjs', factory: 'single/worker_factory.mjs', name: 'startSingleFileWorker' },
    { module: 'app/worker_compare.mjs', script: 'compare_helper_worker.mjs', factory: 'single/nested_worker.mjs',
      name: 'startNestedSingleFileWorker' },
  ].map((s) => ({ ...s, module: path.join(web, s.module), factory: path.join(web, s.factory) }));
  return {
    name: 'qp-single-swap-workers',
    enforce: 'pre',
    transform(code, id) {
      const swap = swaps.find((s) => s.module === id);
      if (!swap) return null;
      const script = swap.script.replace(/\./g, '\\.');
      const pattern = new RegExp(`new Worker\\(\\s*new URL\\(\\s*(['"])\\./${script}\\1\\s*,\\s*import\\.meta\\.url\\s*\\)\\s*,\\s*(\\{[^}]*\\})\\s*\\)`, 'g');
      let count = 0;
      const out = code.replace(pattern, (_, q, options) => {
        count++;
        return `${swap.name}(${options})`;
      });
      if (count !== 1) {
        throw new Error(`build_single: expected one \`new Worker(new URL('./${swap.script}', import.meta.url), {...})\` ` +
          `in ${path.relative(root, id)}, found ${count}`);
      }
      return `import { ${swap.name} } from ${JSON.stringify(swap.factory)};\n${out}`;
    },
  };
}

/**
 * Exact text replacements in app modules (each must match once, or the build stops): the
 * Network tab's default model is the CNN, the one network the single file carries.
 */
function patchSources() {
  const patches = [{ module: path.join(web, 'app/url_state.mjs'),
    from: "{ key: 'model', type: 'enum', default: 'mlp',", to: "{ key: 'model', type: 'enum', default: 'cnn'," }];
  return {
    name: 'qp-single-patch-sources',
    enforce: 'pre',
    transform(code, id) {
      const mine = patches.filter((p) => p.module === id);
      for (const p of mine) {
        if (code.split(p.from).length !== 2) throw new Error(`build_single: expected one "${p.from}" in ${path.relative(root, id)}`);
        code = code.replace(p.from, () => p.to);
      }
      return mine.length ? code : null;
    },
  };
}

/** One classic script (IIFE, minified, dynamic imports inlined) from `entry`. */
async function bundle(entry, plugins) {
  const results = await build({
    configFile: false, root: web, publicDir: false, logLevel: 'warn', mode: 'production',
    plugins,
    build: {
      write: false, minify: true, target: 'es2022', emptyOutDir: false, copyPublicDir: false, reportCompressedSize: false,
      lib: { entry, formats: ['iife'], name: 'qplaySingle', fileName: () => 'bundle.js' },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  const chunks = [results].flat().flatMap((r) => r.output).filter((o) => o.type === 'chunk');
  if (chunks.length !== 1) throw new Error(`build_single: ${entry} gave ${chunks.length} chunks, expected one`);
  return chunks[0].code;
}

// ---- assets -------------------------------------------------------------------------------------

/** The first `n` items of a gzipped IDX file (images or labels), gzipped again. */
function idxHead(file, n) {
  const idx = gunzipSync(readFileSync(file));
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  const rank = idx[3];
  const total = view.getUint32(4);
  if (idx[2] !== 0x08 || total < n) throw new Error(`${file}: not an unsigned-byte IDX file with ${n} items`);
  let itemBytes = 1;
  for (let d = 1; d < rank; d++) itemBytes *= view.getUint32(4 + 4 * d);
  const header = 4 + 4 * rank;
  const out = Buffer.from(idx.subarray(0, header + n * itemBytes));
  out.writeUInt32BE(n, 4);
  return gzipSync(out, { level: 9 });
}

function workerAssets() {
  const pub = path.join(web, 'public');
  const file = (rel) => need(path.join(pub, rel), 'run scripts/make_fmnist_assets.mjs (and train the models)');
  const files = {
    [BUNDLED.models.cnn]: base64(readFileSync(file(BUNDLED.models.cnn))),
    [BUNDLED.test.images]: base64(idxHead(file(BUNDLED.test.images), NETWORK_SAMPLES)),
    [BUNDLED.test.labels]: base64(idxHead(file(BUNDLED.test.labels), NETWORK_SAMPLES)),
    [BUNDLED.train.images]: base64(idxHead(file(BUNDLED.train.images), NETWORK_SAMPLES)),
    [BUNDLED.train.labels]: base64(idxHead(file(BUNDLED.train.labels), NETWORK_SAMPLES)),
  };
  const missing = {
    [BUNDLED.models.mlp]: 'the single-file page does not include the MLP (0.9 MB): choose the CNN, or open ' +
      'mlp.safetensors from the full site\'s models/ folder with "Open a network file", or use the full site (dist/)',
  };
  return { files, missing };
}

// ---- the page -----------------------------------------------------------------------------------

/**
 * Code safe inside a <script> element: "</script" would close it and "<!--" would change how the
 * HTML parser reads it. Both can only be in strings, templates, regular expressions or comments
 * of the minified code, where "<\/" and "\x3C" mean the same; the result must still compile.
 */
function scriptText(code, what) {
  const safe = code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '\\x3C!--');
  try {
    new vm.Script(safe);
  } catch (e) {
    throw new Error(`build_single: the ${what} does not compile once made safe for a <script> block: ${e.message}`);
  }
  return safe;
}

/** CSS safe inside a <style> element. */
function styleText(css) {
  if (/<\/style|<!--/i.test(css)) throw new Error('build_single: the CSS contains "</style" or "<!--"');
  return css;
}

function distCss() {
  const html = readFileSync(need(path.join(dist, 'index.html'), 'run vite build first'), 'utf8');
  const href = html.match(/<link rel="stylesheet"[^>]*href="\.\/([^"]+\.css)"/)?.[1];
  if (!href) throw new Error('build_single: dist/index.html links no stylesheet');
  const css = readFileSync(path.join(dist, href), 'utf8');
  if (/url\((?!\s*['"]?data:)/.test(css)) throw new Error('build_single: the CSS refers to a file (url(...)): inline it first');
  return css;
}

export async function buildSingle() {
  need(SINGLE_CORE, 'cmake --build build/wasm --target qp_wasm_single');
  const swaps = swapModules({
    [path.join(web, 'gen/qp_wasm.mjs')]: path.join(web, 'single/qp_wasm.mjs'),
    [path.join(web, 'gen/qp_wasm_scalar.mjs')]: path.join(web, 'single/no_build.mjs'),
    [path.join(web, 'gen/qp_wasm_threads.mjs')]: path.join(web, 'single/no_build.mjs'),
  });
  const workerCode = await bundle(path.join(web, 'single/worker_entry.mjs'), [swaps, inlineFileUrls(), swapWorkers()]);
  const mainCode = scriptText(await bundle(path.join(web, 'single/main_entry.mjs'), [swaps, inlineFileUrls(), swapWorkers(), patchSources()]), 'page script');
  const css = styleText(distCss());
  const example = readFileSync(need(path.join(dist, EXAMPLE.file), 'run scripts/make_example_tensor.mjs and vite build'));

  let html = readFileSync(path.join(web, 'index.html'), 'utf8');
  const swapOnce = (pattern, replacement, what) => {
    if (!pattern.test(html)) throw new Error(`build_single: web/index.html has no ${what}`);
    html = html.replace(pattern, () => replacement);
  };
  swapOnce(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, 
    `<meta http-equiv="Content-Security-Policy" content="${policy(sha256(mainCode), sha256(css))}">`, 'CSP meta tag');
  swapOnce(/\s*<link rel="stylesheet" href="[^"]*">/, `\n  <style>${css}</style>`, 'stylesheet link');
  swapOnce(/\s*<script type="module" src="[^"]*"><\/script>/, '', 'module script');
  // The Network tab opens the CNN (inlined) by default; the MLP is named but not offered.
  swapOnce(/<option value="mlp">[^<]*<\/option>/,
    '<option value="mlp" disabled>MLP 784-256-128-10 (not in the single file: open mlp.safetensors as your network file)</option>', 'MLP option');
  swapOnce(/<option value="cnn">[^<]*<\/option>/,
    `<option value="cnn" selected>CNN (bundled; ${NETWORK_SAMPLES} test images in the single file)</option>`, 'CNN option');
  const blocks = [
    `<script type="application/json" id="qp-page-assets">${JSON.stringify({ [EXAMPLE.file]: base64(example) })}</script>`,
    `<script type="application/json" id="qp-worker-assets">${JSON.stringify(workerAssets())}</script>`,
    `<script type="text/plain" id="qp-worker-code">${scriptText(workerCode, 'worker code')}</script>`,
    `<script>${mainCode}</script>`,
  ];
  swapOnce(/<\/body>/, `${blocks.join('\n')}\n</body>`, '</body>');
  mkdirSync(SINGLE_DIR, { recursive: true });
  writeFileSync(SINGLE_FILE, html);
  return { file: SINGLE_FILE, bytes: Buffer.byteLength(html), gzipBytes: gzipSync(html).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { file, bytes, gzipBytes } = await buildSingle();
    console.log(`${path.relative(root, file)}: ${(bytes / 1e6).toFixed(2)} MB (${(gzipBytes / 1e6).toFixed(2)} MB gzip)`);
  } catch (e) {
    console.error(`build_single failed: ${e.message}`);
    process.exit(1);
  }
}
