#!/usr/bin/env node
// Builds the libFuzzer targets (clang-14, ASan + UBSan) and fuzzes each reader for a while.
//   node scripts/fuzz.mjs                  10 s per reader (what `npm test` runs)
//   node scripts/fuzz.mjs --seconds 600    a long run; --only gguf,onnx to pick readers
// Corpora persist in build/fuzz/corpus/<reader> and are seeded from tests/fixtures and
// tests/malformed; crashing inputs land in build/fuzz/crashes/. Exit 1 when any target fails.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
const READERS = { safetensors: ['safetensors'], npy: ['npy'], npz: ['npz'], pytorch: ['pytorch'], onnx: ['onnx'], gguf: ['gguf'] };
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
run('cmake', ['-S', '.', '-B', build, '-DQP_FUZZ=ON', `-DCMAKE_CXX_COMPILER=${clang}`, '-DCMAKE_BUILD_TYPE=Release']);
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

const rows = [];
let failed = false;
for (const reader of readers) {
  const corpus = path.join(build, 'corpus', reader);
  const crashes = path.join(build, 'crashes');
  mkdirSync(corpus, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  seed(reader, corpus);
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
