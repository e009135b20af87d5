#!/usr/bin/env node
// Runs the FP8 models that gen_float_vectors.py built through onnxruntime-node (CPU EP, 1 thread,
// graph optimizations off). Called by gen_float_vectors.py, not by hand:
//
//   node gen_float_vectors_ort.mjs PLAN.json
//
// PLAN.json: {runs: [{model, input, feeds: {name: raw float32 file}, output}]}. Every input and
// output is a raw little-endian float32 file, so -0 and NaN bit patterns pass through unchanged.
// Writes PLAN.json's folder/ort_producer.json with the versions. Exits non-zero on any failure.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const planPath = process.argv[2];
const dir = path.dirname(planPath);
const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'));
const sessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'disabled',
};

function readF32(file) {
  const buf = fs.readFileSync(path.join(dir, file));
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

const sessions = new Map();
for (const run of plan.runs) {
  if (!sessions.has(run.model)) {
    sessions.set(run.model, await ort.InferenceSession.create(path.join(dir, run.model), sessionOptions));
  }
  const s = sessions.get(run.model);
  const feeds = {};
  for (const [name, file] of Object.entries(run.feeds)) {
    const data = readF32(file);
    feeds[name] = new ort.Tensor('float32', data, name === 'x' ? [data.length] : []);
  }
  const out = await s.run(feeds);
  const y = out[s.outputNames[0]];
  if (y.type !== 'float32') throw new Error(`${run.model}: output type ${y.type}`);
  fs.writeFileSync(path.join(dir, run.output), Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
}

const ortPkg = JSON.parse(fs.readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8'));
fs.writeFileSync(path.join(dir, 'ort_producer.json'), JSON.stringify({
  name: 'onnxruntime-node',
  version: ortPkg.version,
  onnxruntime_common: ort.env.versions.common,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  execution_provider: 'cpu',
  session_options: sessionOptions,
}));
