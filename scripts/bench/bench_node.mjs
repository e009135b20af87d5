// Node-only helpers shared by the two benchmark entry points (scripts/bench_gemm.mjs and
// scripts/bench_gemm_browser.mjs): command-line options, the machine description, and saving the
// result as markdown + JSON under bench/results/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GEMM_SHAPES, parseShapes } from './gemm_shapes.mjs';
import { TIMING, formatMarkdown } from './bench_table.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const USAGE = `options:
  --quick            3 short repetitions per runner (a smoke run; numbers are rough)
  --shapes LIST      only these shapes, e.g. --shapes 1x784x256,256x1024x1024 (any MxKxN allowed)
  --note TEXT        a note saved with the results (e.g. "machine shared with 2 other jobs")
  --weights 7|8      weight codes in [−64, 63] (7) or the full int8 range (8, default): the relaxed
                     kernel needs 7-bit weights for its one-dot path, the others do not care
  --no-save          print only, write nothing under bench/results/`;

export function parseBenchArgs(argv) {
  const opts = { quick: false, shapes: GEMM_SHAPES, save: true, note: null, weightBits: 8 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--shapes') opts.shapes = parseShapes(value());
    else if (a === '--note') opts.note = value();
    else if (a === '--weights') opts.weightBits = Number(value());
    else if (a === '--no-save') opts.save = false;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option '${a}'\n${USAGE}`);
  }
  opts.timing = opts.quick ? TIMING.quick : TIMING.full;
  return opts;
}

/** What the page cannot know: the CPU, and how busy the machine was. */
export function machineInfo() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, cpuDetail: cpuDetail(), loadAverage: os.loadavg() };
}

// Family/model and the x86 features that decide how wasm SIMD dot products lower (vpmaddwd needs
// SSE2/AVX2; a relaxed int8 dot can use VNNI's vpdpbusd): Linux only, null elsewhere.
function cpuDetail() {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0];
    const field = (name) => text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1];
    const flags = new Set((field('flags') ?? '').split(' '));
    const simd = ['sse4_1', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni'].filter((f) => flags.has(f));
    return `family ${field('cpu family')} model ${field('model')}, ${simd.join(' ')}`;
  } catch {
    return null;
  }
}

/** Writes bench/results/gemm-<runtime>-<date>.{md,json}; returns the two paths. */
export function saveResults(result) {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const base = path.join(dir, `gemm-${result.meta.runtime}-${stamp}`);
  writeFileSync(`${base}.md`, formatMarkdown(result));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  return [`${base}.md`, `${base}.json`];
}
