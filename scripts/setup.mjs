#!/usr/bin/env node
// Idempotent set-up for `npm start` and `npm test`: installs what is missing on Debian/Ubuntu
// and does nothing (in well under a second) when everything is there.
//   node scripts/setup.mjs              tools to build and serve (emscripten, cmake, g++, doctest, json)
//   node scripts/setup.mjs --for-tests  the same plus Chromium for the browser tests
// npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const forTests = process.argv.includes('--for-tests');

// [what we look for, Debian package that provides it]
const NEEDS = [
  ['/usr/bin/em++', 'emscripten'],
  ['/usr/bin/cmake', 'cmake'],
  ['/usr/bin/g++', 'g++'],
  ['/usr/bin/make', 'make'],
  ['/usr/include/doctest/doctest.h', 'doctest-dev'],
  ['/usr/include/nlohmann/json.hpp', 'nlohmann-json3-dev'],
  // zlib inflates deflated zip members (.npz, .pt) in the native build.
  ['/usr/include/zlib.h', 'zlib1g-dev'],
  // emcc's JS optimizer imports acorn from Debian's node modules (see the toolchain notes).
  ['/usr/share/nodejs/acorn', 'node-acorn'],
  // wat2wasm assembles the relaxed-SIMD micro-kernels (src/kernels/gemm_q8_relaxed.wat).
  ['/usr/bin/wat2wasm', 'wabt'],
  // Fashion-MNIST (IDX files): the bundled network's test, calibration and QAT data.
  ['/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz', 'dataset-fashion-mnist'],
];
const TEST_NEEDS = [
  ['/usr/bin/chromium', 'chromium'],
  // libFuzzer with ASan/UBSan: the parsers' fuzz targets get a short run in the test suite.
  ['/usr/bin/clang++-14', 'clang-14'],
  ['/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a', 'libclang-rt-14-dev'],
];

function fail(message) {
  console.error(`\nsetup: ${message}\n`);
  process.exit(1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 16))
    fail(`Node.js ${process.versions.node} is too old: the WebAssembly loader needs Node >= 20.16.`);
}

function installDebianPackages(packages) {
  const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
  if (!isDebian)
    fail(`missing ${packages.join(', ')} and this is not a Debian/Ubuntu system with apt-get.\n` +
         'Install the equivalents of these Debian packages yourself, then run the command again.');
  const isRoot = process.getuid?.() === 0;
  const sudo = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !sudo)
    fail(`missing ${packages.join(', ')}. As root, install them with:\n  apt-get install -y ${packages.join(' ')}\n` +
         '(this script is not root and sudo needs a password, so it cannot install them itself).');
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const apt = (args) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    console.log(`setup: $ ${[cmd, ...rest].join(' ')}`);
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', '--no-install-recommends', ...packages]);
  } catch {
    fail(`apt-get could not install ${packages.join(', ')} (see the output above).`);
  }
}

function ensureNpmPackages() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  // npm writes node_modules/.package-lock.json on every install: newer than the lock = up to date.
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('setup: $ npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('npm ci failed (see the output above).');
}

checkNode();
const missing = [...NEEDS, ...(forTests ? TEST_NEEDS : [])].filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
if (missing.length) installDebianPackages([...new Set(missing)]);
ensureNpmPackages();
