#!/usr/bin/env node
// Runs the test layers in order, building what each needs first:
//   native  C++ doctest suite, g++ build            (build/native, ctest)
//   wasm    the same doctest sources as WebAssembly  (build/wasm, ctest: SIMD and scalar builds under Node)
//   js      JS API and CLI against the built wasm    (node --test tests/js/)
//   e2e     the page in headless Chromium            (vite build -> dist/, node --test tests/e2e/)
//   fuzz    each file reader under libFuzzer + ASan/UBSan for a few seconds (scripts/fuzz.mjs)
// On demand: wasm-scalar, the doctest suite on the scalar WebAssembly core (build/wasm-scalar-tests).
// `node scripts/test.mjs` runs all; `node scripts/test.mjs js e2e` runs some. Exit code 1 if any fails.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const jobs = process.env.QP_JOBS ?? '2';
const node = process.execPath;

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;
}

const build = (what) => run(node, ['scripts/build.mjs', what]);
const ctest = (dir) => run('ctest', ['--test-dir', dir, '--output-on-failure', '-j', jobs]);

const LAYERS = {
  native: () => build('native') && ctest('build/native'),
  wasm: () => build('wasm') && ctest('build/wasm'),
  // The JS tests read the bundled example tensor and Fashion-MNIST files (written by the site
  // build, or here: web/public/ is not committed).
  js: () => build('wasm') && run(node, ['scripts/make_example_tensor.mjs']) && run(node, ['scripts/make_fmnist_assets.mjs']) &&
    run(node, ['--test', 'tests/js/']),
  e2e: () => build('web') && run(node, ['--test', 'tests/e2e/']),
  fuzz: () => run(node, ['scripts/fuzz.mjs', '--seconds', process.env.QP_FUZZ_SECONDS ?? '3']),
};
// On demand only (not in the default run; see QP_WASM_SCALAR_TESTS in CMakeLists.txt): the doctest
// suite on the scalar WebAssembly core, in its own build tree.
const ON_DEMAND = {
  'wasm-scalar': () => run('emcmake', ['cmake', '-S', '.', '-B', 'build/wasm-scalar-tests', '-DCMAKE_BUILD_TYPE=Release',
    '-DQP_WASM_SCALAR_TESTS=ON']) && run('cmake', ['--build', 'build/wasm-scalar-tests', '-j', jobs, '--target', 'qp_tests_scalar']) &&
    run('ctest', ['--test-dir', 'build/wasm-scalar-tests', '--output-on-failure', '-R', 'qp_tests_scalar']),
};

const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!LAYERS[w] && !ON_DEMAND[w]) {
    console.error(`unknown test layer '${w}' (expected ${[...Object.keys(LAYERS), ...Object.keys(ON_DEMAND)].join(', ')})`);
    process.exit(2);
  }
}
const results = [];
for (const name of wanted.length ? wanted : Object.keys(LAYERS)) {
  const t0 = Date.now();
  const ok = (LAYERS[name] ?? ON_DEMAND[name])();
  results.push({ name, ok, seconds: ((Date.now() - t0) / 1000).toFixed(1) });
}
console.log('\ntest layers:');
for (const r of results) console.log(`  ${r.ok ? 'pass' : 'FAIL'}  ${r.name.padEnd(7)} ${r.seconds} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
