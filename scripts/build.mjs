#!/usr/bin/env node
// Builds everything the page and the tests need:
//   1. the WebAssembly core (SIMD and scalar ES modules into web/gen/, doctest binaries) with emcmake;
//   2. the static site into dist/ with vite, and the single file dist-single/quantization-playground.html.
// `node scripts/build.mjs native` builds only the native tree (tests, later benchmarks).
// Incremental: CMake and vite rebuild only what changed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const what = process.argv[2] ?? 'web';
const jobs = process.env.QP_JOBS ?? '2';

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
}

function buildNative() {
  const dir = 'build/native';
  if (!existsSync(path.join(root, dir, 'CMakeCache.txt')))
    run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release']);
  run('cmake', ['--build', dir, '-j', jobs]);
}

function buildWasm() {
  const dir = 'build/wasm';
  if (!existsSync(path.join(root, dir, 'CMakeCache.txt')))
    run('emcmake', ['cmake', '-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release']);
  run('cmake', ['--build', dir, '-j', jobs]);
}

function buildSite() {
  // The bundled example tensor (web/public/examples/), generated deterministically, not committed.
  run(process.execPath, [path.join(root, 'scripts/make_example_tensor.mjs')]);
  // The network's data (web/public/fmnist/), from Debian's dataset-fashion-mnist, not committed.
  run(process.execPath, [path.join(root, 'scripts/make_fmnist_assets.mjs')]);
  run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
  // The single file for file:// (dist-single/quantization-playground.html), from dist/ and the
  // qp_wasm_single core.
  run(process.execPath, [path.join(root, 'scripts/build_single.mjs')]);
}

try {
  if (what === 'native') buildNative();
  else if (what === 'wasm') buildWasm();
  else if (what === 'all') { buildNative(); buildWasm(); buildSite(); }
  else { buildWasm(); buildSite(); }
} catch (e) {
  console.error(`build failed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
