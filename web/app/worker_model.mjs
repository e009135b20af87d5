// The Worker's side of the model view: the open model (files the user chose, read piecewise with
// FileReaderSync: opening reads headers only), one tensor read for the quantization view, and the
// long jobs (whole-model analysis, scheme comparison, exports) that go tensor by tensor and can be
// cancelled between tensors (worker_jobs.mjs).
import { sourceFromFile } from '../lib/sources.mjs';
import { allFloatTensorSelection, defaultTensorSelection, dequantizedSafetensors, quantizedNpz,
  quantizedSafetensors, quantizedSize } from '../lib/export.mjs';
import { optionsForShape } from '../lib/compare_report.mjs';
import { sortWorstFirst } from './report.mjs';
import { runCancellable } from './worker_jobs.mjs';

let open = null;          // {model, token, jobs: number}
let nextToken = 1;
const retired = new Set();  // replaced models still used by a running job: closed when it ends

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

/** What the page needs to list a model (plain data; the WeightFile stays here). */
function listing(model, token) {
  const { format, files, tensors, metadata, graph, warnings } = model;
  return { token, format, files, tensors, metadata, graph, warnings };
}

/** Open `files` (File objects) as one model. The previous model stays open if this throws. */
export function openFiles(qp, files) {
  if (!files?.length) throw userError('no file was chosen');
  const model = qp.openModel(files.map(sourceFromFile));
  if (open) {
    if (open.jobs > 0) retired.add(open);
    else open.model.close();
  }
  open = { model, token: nextToken++, jobs: 0 };
  return listing(model, open.token);
}

function currentModel(token) {
  if (!open || open.token !== token) throw userError('that model is no longer open: choose the tensor again in the model view');
  return open;
}

/** A tensor of the open model for the quantization view: {name, dtype, storedType, shape, data}. */
export function readModelTensor(token, index) {
  const { model } = currentModel(token);
  const info = model.tensors[index];
  if (!info) throw userError(`the model has no tensor #${index}`);
  if (info.problem) throw userError(`tensor '${info.name}': ${info.problem}`);
  const t = model.readTensor(index);
  // A lone .npy is known by its file name (its tensor is named after the file anyway).
  const name = model.format === 'npy' && model.tensors.length === 1 ? model.files[0].name : info.name;
  return { name, dtype: info.dtype, storedType: info.storedType, shape: t.shape, data: t.data };
}

/**
 * Run `body(model, tick)` as a cancellable job over the open model (worker_jobs.mjs). tick(done,
 * total, name) reports progress and yields now and then; it throws {name: 'Cancelled'} once the
 * page asked to cancel (or a new model replaced this one).
 */
async function runJob(id, token, post, body) {
  const entry = currentModel(token);
  entry.jobs++;
  try {
    return await runCancellable(id, post,
      (tick) => body(entry.model, (done, total, name, fields = {}) => tick(done, total, { name, ...fields })),
      { stale: () => (open !== entry ? 'a new model was opened' : null) });
  } finally {
    if (--entry.jobs === 0 && retired.has(entry)) {
      retired.delete(entry);
      entry.model.close();
    }
  }
}

/** Quantization options for one tensor: the chosen axis, clamped to the tensor's rank. */
function optionsFor(options, rank) {
  if (options.axis === null || options.axis === undefined) return { ...options, axis: null };
  return { ...options, axis: rank === 0 ? null : Math.min(rank - 1, Math.max(0, options.axis)) };
}

function selection(model, all) {
  const names = new Set(all ? allFloatTensorSelection(model.tensors) : defaultTensorSelection(model.tensors));
  return model.tensors.map((t, i) => i).filter((i) => names.has(model.tensors[i].name));
}

/** Whole-model analysis: stats, error metrics and sizes of each selected tensor. */
export function analyse(qp, { id, token, options, all }, post) {
  return runJob(id, token, post, async (model, tick) => {
    const indices = selection(model, all);
    const rows = [];
    const t0 = performance.now();
    for (let k = 0; k < indices.length; k++) {
      const info = model.tensors[indices[k]];
      await tick(k, indices.length, info.name);
      rows.push(analyseTensor(qp, model, indices[k], options));
    }
    await tick(indices.length, indices.length, '');
    return {
      files: model.files.map((f) => f.name), format: model.format, options, selection: all ? 'all' : 'default',
      rows: sortWorstFirst(rows), ms: performance.now() - t0,
    };
  });
}

function analyseTensor(qp, model, index, options) {
  const info = model.tensors[index];
  const row = { name: info.name, storedType: info.storedType, shape: info.shape, parameters: info.parameters,
    axis: null, channels: null, bytesBefore: info.bytes, bytesAfter: null, bitsPerWeight: null,
    stats: null, metrics: null };
  if (info.problem) return { ...row, error: info.problem };
  try {
    // Measured inside the core: no per-element array crosses to JS, so a checkpoint is analysed
    // with about one float32 copy of its largest tensor in memory.
    const a = model.analyzeTensor(index, optionsFor(options, info.shape.length));
    const s = a.stats;
    row.stats = { min: s.min, max: s.max, mean: s.mean, std: s.std, nanCount: s.nanCount,
      infCount: s.posInfCount + s.negInfCount, zeroShare: s.count ? s.zeroCount / s.count : 0 };
    if (a.quantizeError) return { ...row, error: a.quantizeError };
    const r = a.quantized;
    const size = quantizedSize(info.parameters, r.bits, r.scales.length);
    row.axis = r.axis;
    row.channels = r.scales.length;
    row.bytesAfter = size.bytes;
    row.bitsPerWeight = size.bitsPerWeight;
    row.metrics = { ...r.metrics };
    return row;
  } catch (e) {
    if (e?.name !== 'QplayError') throw e;
    return { ...row, error: e.message };
  }
}

const EXPORTS = {
  'quantized-safetensors': { suffix: '.q.safetensors', type: 'application/octet-stream', keep: true,
    build: (qp, quantized, kept) => quantizedSafetensors(qp, quantized, kept) },
  'quantized-npz': { suffix: '.q.npz', type: 'application/zip', keep: false,
    build: (qp, quantized) => quantizedNpz(qp, quantized) },
  'dequantized-safetensors': { suffix: '.fq.safetensors', type: 'application/octet-stream', keep: true,
    build: (qp, quantized, kept) => dequantizedSafetensors(qp, quantized, kept) },
};

/**
 * Build an export file of the analysed tensors `names` with `options` (web/lib/export.mjs lays it
 * out). The safetensors exports also carry every other readable tensor unchanged (as float32), so
 * the file stands in for the original; the .npz holds only the quantized tensors.
 */
export function exportFile(qp, { id, token, kind, names, options }, post) {
  const spec = EXPORTS[kind];
  if (!spec) throw userError(`unknown export '${kind}'`);
  return runJob(id, token, post, async (model, tick) => {
    const wanted = new Set(names);
    const quantized = [], kept = [];
    const todo = model.tensors.map((t, i) => i)
      .filter((i) => wanted.has(model.tensors[i].name) || (spec.keep && !model.tensors[i].problem));
    const steps = todo.length;
    let done = 0;
    for (const i of todo) {
      const info = model.tensors[i];
      const isQuantized = wanted.has(info.name);
      await tick(done++, steps, info.name);
      const t = model.readTensor(i);
      if (isQuantized) quantized.push({ name: info.name, result: qp.quantize(t.data, t.shape, optionsFor(options, t.shape.length)) });
      else kept.push(t);
    }
    if (quantized.length === 0) throw userError('none of the analysed tensors could be quantized: nothing to export');
    await tick(steps, steps, 'writing the file');
    const bytes = spec.build(qp, quantized, kept);
    const stem = model.files[0].name.replace(/(-\d+-of-\d+)?\.[^.]+$/, '');
    return { bytes, fileName: `${stem}${spec.suffix}`, mimeType: spec.type };
  });
}

/**
 * Whole-model scheme comparison: every float tensor (or the default selection) through every
 * recipe of `recipes` (compare_report.mjs: options whose axis follows each tensor's rank), inside
 * the core one tensor at a time (WeightFile.compareTensor). A tensor the reader cannot decode, or
 * a scheme that refuses a tensor, becomes an error in its rows; the job goes on.
 * -> {files, format, recipes, selection, tensors: [{name, shape, parameters, storedType, rows?, error?}], ms}
 */
export function compareModel(qp, { id, token, recipes, all }, post) {
  return runJob(id, token, post, async (model, tick) => {
    const indices = selection(model, all);
    const tensors = [];
    const t0 = performance.now();
    for (let k = 0; k < indices.length; k++) {
      const info = model.tensors[indices[k]];
      await tick(k, indices.length, info.name);
      const entry = { name: info.name, shape: info.shape, parameters: info.parameters, storedType: info.storedType };
      try {
        if (info.problem) throw userError(info.problem);
        entry.rows = model.compareTensor(indices[k], recipes.map((r) => optionsForShape(r, info.shape)));
      } catch (e) {
        if (e?.name !== 'QplayError') throw e;
        entry.error = e.message;
      }
      tensors.push(entry);
    }
    await tick(indices.length, indices.length, '');
    return { files: model.files.map((f) => f.name), format: model.format, recipes, selection: all ? 'all' : 'default',
      tensors, ms: performance.now() - t0 };
  });
}
