#!/usr/bin/env node
// Builds the libFuzzer targets (clang-14, ASan + UBSan) and fuzzes each reader for a while.
//   node scripts/fuzz.mjs                  10 s per reader (what `npm test` runs)
//   node scripts/fuzz.mjs --seconds 600    a long run; --only gguf,onnx to pick readers
// Corpora persist in build/fuzz/corpus/<reader> and are seeded from tests/fixtures and
// tests/malformed; crashing inputs land in build/fuzz/crashes/. Exit 1 when any target fails.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
// network: the ONNX / state-dict importer (tests/fuzz/fuzz_open_network.cpp); dataset: the test-data
// readers (tests/fuzz/fuzz_open_dataset.cpp). Their inputs carry a selector prefix, see seedNn below.
const READERS = { safetensors: ['safetensors'], npy: ['npy'], npz: ['npz'], pytorch: ['pytorch'], onnx: ['onnx'], gguf: ['gguf'],
  network: ['network'], dataset: ['dataset'] };
const readers = values.only ? values.only.split(',') : Object.keys(READERS);
const build = path.join(root, 'build', 'fuzz');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    console.error(`fuzz: ${cmd} ${args.join(' ')} failed`);
    process.exit(1);
  }
  return r;
}

const clang = '/usr/bin/clang++-14';
if (!existsSync(clang)) {
  console.error('fuzz: clang++-14 is missing (apt-get install clang-14 libclang-rt-14-dev, or node scripts/setup.mjs --for-tests)');
  process.exit(1);
}
// -O1, as libFuzzer's documentation builds its targets: compiling the core with ASan at -O3 was
// most of this step's time in CI, and a few seconds of fuzzing gain little from -O3's speed.
run('cmake', ['-S', '.', '-B', build, '-DQP_FUZZ=ON', `-DCMAKE_CXX_COMPILER=${clang}`, '-DCMAKE_BUILD_TYPE=Release',
  '-DCMAKE_CXX_FLAGS_RELEASE=-O1']);
run('cmake', ['--build', build, '-j2', '--target', ...readers.map((r) => `fuzz_${r}`)], { stdio: 'inherit' });

// Seeds: the format's fixtures and malformed files (sidecars excluded).
function seed(reader, corpus) {
  const extra = reader === 'npy' ? ['tests/vectors/npy_numpy'] : [];
  for (const dir of [`tests/fixtures/${reader}`, `tests/malformed/${reader}`, ...extra]) {
    const full = path.join(root, dir);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full)) {
      if (/\.(expect|json)$/.test(f) && !f.endsWith('.index.json')) continue;
      const src = path.join(full, f);
      if (statSync(src).isFile() && statSync(src).size < 1 << 20) cpSync(src, path.join(corpus, `seed-${f}`));
    }
  }
}

// The network and dataset targets take a selector byte before the file (see their sources), so
// their seeds are built here: network = [0 .onnx | 1 .safetensors | 2 .pt | 3 .npz] + file;
// dataset = [flags] + file, or [flags, len lo, len hi] + first file + second file.
function seedNn(reader, corpus) {
  const files = (dir, re) => {
    const full = path.join(root, dir);
    if (!existsSync(full)) return [];
    return readdirSync(full).filter((f) => re.test(f) && !f.endsWith('.expect'))
      .map((f) => path.join(full, f)).filter((f) => statSync(f).isFile() && statSync(f).size < 1 << 20);
  };
  const write = (name, parts) => writeFileSync(path.join(corpus, `seed-${name}`), Buffer.concat(parts.map((p) => Buffer.from(p))));
  if (reader === 'network') {
    const selector = { '.onnx': 0, '.safetensors': 1, '.pt': 2, '.npz': 3 };
    for (const f of [...files('tests/fixtures/nn', /\.(onnx|pt|npz)$/), ...files('tests/fixtures/nn/torch_trained', /\.(onnx|pt)$/),
      ...files('tests/malformed/nn', /\.(onnx|safetensors|pt|npz)$/), ...files('tests/malformed/onnx', /\.onnx$/),
      ...files('tests/fixtures/safetensors', /\.safetensors$/)]) {
      write(path.basename(f), [[selector[path.extname(f)]], readFileSync(f)]);
    }
    return;
  }
  for (const f of [...files('tests/fixtures/nn', /\.npz$/), ...files('tests/malformed/npz', /\.npz$/)]) {
    write(path.basename(f), [[0], readFileSync(f)]);
    write(`shaped-${path.basename(f)}`, [[2], readFileSync(f)]);
  }
  for (const f of [...files('tests/fixtures/nn', /\.npy$/), ...files('tests/malformed/npy', /\.npy$/)]) {
    write(path.basename(f), [[1 << 2], readFileSync(f)]);
  }
  const pair = (name, flags, first, second) => write(name, [[flags, first.length & 0xff, first.length >> 8], first, second]);
  const images = readFileSync(path.join(root, 'tests/fixtures/nn/images.npy'));
  const labels = readFileSync(path.join(root, 'tests/fixtures/nn/labels.npy'));
  pair('npy-pair', 1, images, labels);
  pair('npy-pair-shaped', 3, labels, images);
  // A small IDX pair (4 images of 28×28 from images.npy, their labels), plain and gzipped.
  const be = (n) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const pixels = images.subarray(images.length - 32 * 784, images.length - 28 * 784);
  const idx3 = Buffer.concat([Buffer.from([0, 0, 8, 3, ...be(4), ...be(28), ...be(28)]), pixels]);
  const idx1 = Buffer.from([0, 0, 8, 1, ...be(4), 9, 2, 1, 1]);
  pair('idx-pair', 1 | 1 << 2, idx3, idx1);
  pair('idx-pair-gz', 1 | 2 << 2 | 2, gzipSync(idx3), gzipSync(idx1));
}

const rows = [];
let failed = false;
for (const reader of readers) {
  const corpus = path.join(build, 'corpus', reader);
  const crashes = path.join(build, 'crashes');
  mkdirSync(corpus, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  if (reader === 'network' || reader === 'dataset') seedNn(reader, corpus);
  else seed(reader, corpus);
  const r = spawnSync(path.join(build, `fuzz_${reader}`), [corpus, `-max_total_time=${seconds}`,
    '-malloc_limit_mb=1024', '-rss_limit_mb=2048', '-timeout=10', '-max_len=65536', '-print_final_stats=1',
    `-artifact_prefix=${crashes}/${reader}-`], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
  const log = (r.stderr ?? '') + (r.stdout ?? '');
  const execs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? 0);
  const ok = r.status === 0;
  if (!ok) {
    failed = true;
    console.error(log.split('\n').slice(-40).join('\n'));
  }
  rows.push({ reader, seconds, execs, perSecond: Math.round(execs / seconds), corpus: readdirSync(corpus).length, result: ok ? 'ok' : 'FAILED' });
}
console.log('\nreader       seconds      execs   exec/s  corpus  result');
for (const r of rows) {
  console.log(`${r.reader.padEnd(12)} ${String(r.seconds).padStart(7)} ${String(r.execs).padStart(10)} ${String(r.perSecond).padStart(8)} ${String(r.corpus).padStart(7)}  ${r.result}`);
}
console.log(`fuzz: ${rows.length} readers, ${rows.reduce((a, r) => a + r.execs, 0)} inputs, ${failed ? 'FAILURES (inputs in build/fuzz/crashes/)' : 'no crashes'}`);
process.exit(failed ? 1 : 0);
