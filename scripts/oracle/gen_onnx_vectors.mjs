#!/usr/bin/env node
// Generates tests/vectors/onnx_ort_more: ONNX QuantizeLinear / DequantizeLinear (u8/i8, per-tensor and
// per-axis) and DynamicQuantizeLinear run by onnxruntime-node (CPU EP, 1 thread, graph optimizations off).
//
//   cd scripts/oracle && npm ci && node gen_onnx_vectors.mjs [--out ../../tests/vectors]
//
// Steps: (1) `onnx_cases.py build` (Debian python3-onnx/numpy) writes the models, the input tensors and a
// plan; (2) this script runs every case through ORT and writes the raw outputs to a temporary folder;
// (3) `onnx_cases.py finalize` stores them as .npy, re-derives them with a numpy model and writes
// manifest.json. Exits non-zero on any ORT failure or numpy mismatch. PYTHON overrides /usr/bin/python3.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const python = process.env.PYTHON || '/usr/bin/python3';
const outIdx = process.argv.indexOf('--out');
const outRoot = path.resolve(outIdx > 0 ? process.argv[outIdx + 1] : path.join(repo, 'tests', 'vectors'));
const famDir = path.join(outRoot, 'onnx_ort_more');

// ---- minimal .npy (format 1.0/2.0, little-endian, C order) reader --------------------------------
const DESCR = {
  '<f4': ['float32', Float32Array],
  '|u1': ['uint8', Uint8Array],
  '|i1': ['int8', Int8Array],
  '<i4': ['int32', Int32Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not npy`);
  const major = buf.readUInt8(6);
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const [type, Ctor] = DESCR[descr] || [];
  if (!type) throw new Error(`${file}: unsupported dtype ${descr}`);
  const data = buf.subarray(hstart + hlen);
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return new ort.Tensor(type, new Ctor(copy.buffer), shape);
}

// ---- run ---------------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-vectors-'));
const planPath = path.join(tmp, 'plan.json');
const rawDir = path.join(tmp, 'raw');
fs.mkdirSync(rawDir);
execFileSync(python, [path.join(here, 'onnx_cases.py'), 'build', '--out', famDir, '--plan', planPath], { stdio: 'inherit' });
const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'));

const sessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'disabled',
};
const sessions = new Map();
async function session(model) {
  if (!sessions.has(model)) sessions.set(model, await ort.InferenceSession.create(path.join(famDir, model), sessionOptions));
  return sessions.get(model);
}

const results = {};
for (const c of plan.cases) {
  try {
    const s = await session(c.params.model);
    const feeds = {};
    for (const [name, ref] of Object.entries(c.inputs)) feeds[name] = readNpy(path.join(famDir, ref.file));
    const out = await s.run(feeds);
    const outputs = {};
    for (const name of s.outputNames) {
      const t = out[name];
      const raw = `${c.id}__${name}.bin`;
      fs.writeFileSync(path.join(rawDir, raw), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      outputs[name] = { raw, type: t.type, dims: Array.from(t.dims) };
    }
    results[c.id] = { outputs };
  } catch (e) {
    results[c.id] = { error: String(e && e.message ? e.message : e) };
  }
}

const ortPkg = JSON.parse(fs.readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8'));
const producer = {
  name: 'onnxruntime-node',
  version: ortPkg.version,
  onnxruntime_common: ort.env.versions.common,
  package_json_version: ortPkg.version,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  execution_provider: 'cpu',
  session_options: {
    intraOpNumThreads: sessionOptions.intraOpNumThreads,
    interOpNumThreads: sessionOptions.interOpNumThreads,
    graphOptimizationLevel: sessionOptions.graphOptimizationLevel,
  },
};
const resultsPath = path.join(tmp, 'results.json');
fs.writeFileSync(resultsPath, JSON.stringify({ producer, raw_dir: rawDir, cases: results }));

let status = 0;
try {
  execFileSync(python, [path.join(here, 'onnx_cases.py'), 'finalize', '--plan', planPath, '--results', resultsPath],
    { stdio: 'inherit' });
} catch (e) {
  status = 1;
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(status);
