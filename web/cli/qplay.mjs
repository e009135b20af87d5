#!/usr/bin/env node
// qplay: the command-line face of Quantization Playground. Runs the same WebAssembly core as the
// page, under Node. Usage: see USAGE below or README.md.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadQplay } from '../lib/qplay.mjs';
import { sourceFromPath } from '../lib/node_sources.mjs';
import { EVAL_OPTIONS, EVAL_USAGE, evalCommand } from './eval_command.mjs';
import { defaultTensorSelection, dequantizedSafetensors, quantizedNpz, quantizedSafetensors } from '../lib/export.mjs';

const USAGE = `usage:
  qplay inspect FILE... [--tensor NAME]... [--stats] [--json]
  qplay compare FILE... [--tensor NAME] [--json]
  qplay schemes [--json]
  qplay quantize FILE... [--format F] [--bits N] [--calibration C] [--scheme affine|symmetric] [--unsigned]
                 [--per-channel AXIS [--group-size G]] [--narrow-range] [--reduce-range]
                 [--double-quant] [--no-saturate] [--mode pytorch|onnx] [--tensor NAME]...
                 [--out OUT.npz|OUT.safetensors] [--dequantized-out FQ.safetensors] [--json]
${EVAL_USAGE}

FILE: .safetensors (several shards and their .index.json together), .npy, .npz, .onnx (with its
external data files), .gguf, .pt/.pth (read without executing pickle).
inspect lists every tensor (name, dtype, shape, parameters, bytes) with the file's metadata;
--stats (default for a single tensor) adds min/max/mean/std, NaN/Inf counts and share of zeros.
quantize quantizes with --format F (default int; qplay schemes lists them) the --tensor NAMEs (default: float tensors of rank >= 2, or all float tensors
when none has rank >= 2). OUT.safetensors holds NAME (int8/uint8 codes), NAME.scale (float32 [C])
and NAME.zero_point (int32 [C]) per quantized tensor, other tensors as float32. OUT.npz holds
codes.npy, scales.npy, zero_points.npy, dequantized.npy, observed_min.npy, observed_max.npy (under
NAME/ when several tensors). --dequantized-out writes every tensor as float32, the quantized ones
dequantized. compare runs every scheme of the default comparison on one tensor (--tensor NAME,
default the largest float tensor) and prints error against bits per weight, '*' marking the Pareto
front. schemes lists the formats the core offers. C = 1 per tensor, else the size of AXIS. With --group-size, runs of G consecutive
indices along AXIS share a scale (per group), and scales/zero points have the tensor's shape with
AXIS cut into groups. --narrow-range drops the lowest code (-127..127); --reduce-range uses one bit
fewer (PyTorch's reduce_range). --bits defaults to 8 clamped to the format's range (tcq: 4).
--calibration: minmax, moving-average[:C], percentile[:P], mse, entropy, histogram (int only).
--double-quant quantizes NF4's block absmax values; --no-saturate lets a float format
overflow to inf/NaN instead of clamping to the largest finite value. --out (integer codes) needs --format int; every format can write
--dequantized-out.`;

class UsageError extends Error {}

function parse(argv) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        bits: { type: 'string' }, scheme: { type: 'string' }, unsigned: { type: 'boolean' },
        'per-channel': { type: 'string' }, mode: { type: 'string' }, out: { type: 'string' },
        'group-size': { type: 'string' }, format: { type: 'string' }, calibration: { type: 'string' }, 'narrow-range': { type: 'boolean' }, 'reduce-range': { type: 'boolean' },
        'double-quant': { type: 'boolean' }, 'no-saturate': { type: 'boolean' },
        'dequantized-out': { type: 'string' }, tensor: { type: 'string', multiple: true },
        stats: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        ...EVAL_OPTIONS,
      },
    });
  } catch (e) {
    throw new UsageError(e.message);
  }
}

function integerOption(value, name) {
  if (!/^-?\d+$/.test(value ?? '')) throw new UsageError(`--${name} needs an integer, got '${value}'`);
  return Number(value);
}

function openFiles(qp, files) {
  const sources = files.map((file) => {
    if (!existsSync(file)) throw new Error(`${file}: no such file`);
    if (statSync(file).isDirectory()) throw new Error(`${file}: is a directory`);
    return sourceFromPath(file);
  });
  return qp.openModel(sources);
}

// The tensors named by --tensor (all listed when none), refusing unknown names.
function selectTensors(model, names, fallback) {
  if (!names || names.length === 0) return fallback.map((n) => model.tensors.findIndex((t) => t.name === n));
  return names.map((name) => {
    const i = model.tensors.findIndex((t) => t.name === name);
    if (i < 0) {
      const near = model.tensors.map((t) => t.name).filter((n) => n.includes(name) || name.includes(n)).slice(0, 5);
      throw new Error(`no tensor named '${name}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}`);
    }
    return i;
  });
}

const fmt = (v) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(6));
const jsonNumber = (v) => (Number.isFinite(v) ? v : String(v));  // JSON has no Infinity
const bytesText = (n) => (n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(2)} MiB`
  : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function tensorStats(qp, model, index) {
  const s = model.analyzeTensor(index).stats;  // measured in the core: no JS copy of the values
  return { ...s, zeroShare: s.count ? s.zeroCount / s.count : 0 };
}

async function inspect(qp, files, values) {
  const model = openFiles(qp, files);
  const indices = values.tensor ? selectTensors(model, values.tensor) : model.tensors.map((_, i) => i);
  const withStats = values.stats || indices.length === 1;
  const tensors = indices.map((i) => {
    const t = model.tensors[i];
    const entry = { name: t.name, dtype: t.dtype, storedType: t.storedType, shape: t.shape,
      parameters: t.parameters, bytes: t.bytes, file: model.files[t.file]?.name ?? null, problem: t.problem || null };
    if (withStats && !t.problem) {
      try {
        entry.stats = tensorStats(qp, model, i);
      } catch (e) {
        entry.problem = e.message;
      }
    }
    return entry;
  });
  const totals = { tensors: model.tensors.length,
    parameters: model.tensors.reduce((a, t) => a + t.parameters, 0),
    bytes: model.tensors.reduce((a, t) => a + t.bytes, 0) };
  if (values.json) {
    const clean = (o) => JSON.parse(JSON.stringify(o, (k, v) => (typeof v === 'number' ? jsonNumber(v) : v)));
    console.log(JSON.stringify(clean({ files: model.files, format: model.format, ...totals,
      metadata: Object.fromEntries(model.metadata), graph: model.graph, warnings: model.warnings, tensors }), null, 2));
    return;
  }
  console.log(`${model.files.map((f) => f.name).join(', ')}: ${model.format}, ${totals.tensors} tensors, ` +
    `${totals.parameters} parameters, ${bytesText(totals.bytes)}`);
  for (const [k, v] of model.metadata.slice(0, 30)) console.log(`  ${k}: ${v.length > 100 ? `${v.slice(0, 100)}…` : v}`);
  if (model.metadata.length > 30) console.log(`  … ${model.metadata.length - 30} more metadata entries (--json shows all)`);
  if (model.graph.nodeCount) {
    console.log(`  graph: ${model.graph.nodeCount} nodes: ${model.graph.opCounts.map((o) => `${o.opType}×${o.count}`).join(', ')}`);
    console.log(`  inputs: ${model.graph.inputs.join('; ')}`);
    console.log(`  outputs: ${model.graph.outputs.join('; ')}`);
  }
  for (const w of model.warnings) console.log(`  warning: ${w}`);
  for (const t of tensors) {
    console.log(`${t.name}: ${t.storedType} [${t.shape.join(', ')}], ${t.parameters} values, ${bytesText(t.bytes)}` +
      (t.problem ? `  — ${t.problem}` : ''));
    if (t.stats) {
      const s = t.stats;
      console.log(`  min ${fmt(s.min)}  max ${fmt(s.max)}  mean ${fmt(s.mean)}  std ${fmt(s.std)}`);
      console.log(`  NaN ${s.nanCount}  +Inf ${s.posInfCount}  -Inf ${s.negInfCount}  zeros ${(100 * s.zeroShare).toFixed(2)}%`);
    }
  }
}

function writeOutput(file, bytes) {
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    throw new Error(`cannot write ${file}: ${e.message}`);
  }
}

async function quantize(qp, files, values) {
  const format = values.format ?? 'int';
  const isInt = format === 'int';
  const fq = values['dequantized-out'];
  if (!values.out && !fq) throw new UsageError('quantize needs --out OUT.npz or OUT.safetensors (or --dequantized-out FQ.safetensors)');
  if (values.out && !isInt) {
    throw new UsageError(`--out writes integer codes, scales and zero points: it needs --format int; for ${format} use --dequantized-out FQ.safetensors`);
  }
  const outKind = !values.out ? null : values.out.endsWith('.npz') ? 'npz' : values.out.endsWith('.safetensors') ? 'safetensors' : 'bad';
  if (outKind === 'bad') throw new UsageError('--out must name a .npz or .safetensors file');
  if (fq && !fq.endsWith('.safetensors')) throw new UsageError('--dequantized-out must name a .safetensors file');
  const options = {
    format,
    calibration: values.calibration ?? 'minmax',
    bits: values.bits === undefined ? qp.defaultBits(format) : integerOption(values.bits, 'bits'),
    doubleQuant: !!values['double-quant'],
    saturate: !values['no-saturate'],
    scheme: values.scheme ?? 'affine',
    signed: !values.unsigned,
    mode: values.mode ?? 'pytorch',
    axis: values['per-channel'] === undefined ? null : integerOption(values['per-channel'], 'per-channel'),
    groupSize: values['group-size'] === undefined ? null : integerOption(values['group-size'], 'group-size'),
    narrowRange: !!values['narrow-range'],
    reduceRange: !!values['reduce-range'],
  };
  if (options.groupSize !== null && options.axis === null) throw new UsageError('--group-size needs --per-channel AXIS (the axis the groups run along)');
  const model = openFiles(qp, files);
  const chosen = selectTensors(model, values.tensor, defaultTensorSelection(model.tensors));
  if (chosen.length === 0) throw new Error('no float tensor to quantize (name one with --tensor)');
  const quantized = [];
  const skipped = [];
  for (const i of chosen) {
    const t = model.readTensor(i);
    try {
      const scheme = qp.runScheme(t.data, t.shape, options);
      quantized.push({ index: i, name: t.name, storedType: model.tensors[i].storedType, scheme, result: scheme.integer ?? scheme });
    } catch (e) {
      // A tensor the user named must quantize; one picked by default (e.g. holding NaN) is
      // skipped with a note on stderr and kept unchanged.
      if (values.tensor || chosen.length === 1) throw new Error(`tensor '${t.name}': ${e.message}`);
      skipped.push({ name: t.name, reason: e.message });
      console.error(`qplay: note: skipped tensor '${t.name}': ${e.message}`);
    }
  }
  if (quantized.length === 0) throw new Error('no tensor could be quantized (see the notes above)');
  // Tensors not quantized travel along as float32 in the safetensors exports.
  const kept = [];
  if (outKind === 'safetensors' || fq) {
    const done = new Set(quantized.map((q) => q.index));
    model.tensors.forEach((t, i) => {
      if (!done.has(i) && !t.problem) kept.push(model.readTensor(i));
    });
  }
  if (outKind) writeOutput(values.out, outKind === 'npz' ? quantizedNpz(qp, quantized) : quantizedSafetensors(qp, quantized, kept));
  if (fq) writeOutput(fq, dequantizedSafetensors(qp, quantized, kept));

  const summary = {
    input: files, output: values.out ?? null, dequantizedOutput: fq ?? null, format: model.format, build: qp.build,
    tensors: quantized.map(({ name, storedType, scheme: s, result: r }) => ({
      name, storedType, format: s.format, label: s.label, shape: model.tensors.find((t) => t.name === name).shape,
      bitsPerWeight: s.bitsPerWeight, options: s.options,
      ...(s.integer ? { bits: r.bits, signed: r.signed, scheme: r.scheme, mode: r.mode, axis: r.axis, groupSize: r.groupSize,
        narrowRange: r.narrowRange, reduceRange: r.reduceRange, qmin: r.qmin, qmax: r.qmax,
        scales: Array.from(r.scales), zeroPoints: Array.from(r.zeroPoints) } : {}),
      metrics: Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [k, jsonNumber(v)])),
    })),
    skipped,
  };
  if (values.json) return console.log(JSON.stringify(summary, null, 2));
  const first = quantized[0].scheme;
  console.log(`${files.join(', ')} -> ${[values.out, fq].filter(Boolean).join(' and ')}: ${first.label}`);
  for (const { name, scheme: s, result: r } of quantized) {
    const m = s.metrics;
    const head = quantized.length > 1 ? `${name}: ` : '';
    if (s.integer && r.axis === null) console.log(`  ${head}scale ${fmt(r.scales[0])}  zero point ${r.zeroPoints[0]}  grid [${r.qmin}, ${r.qmax}]`);
    console.log(`  ${head}${s.bitsPerWeight.toFixed(3)} bits/weight  MSE ${fmt(m.mse)}  SQNR ${fmt(m.sqnrDb)} dB  max |err| ${fmt(m.maxAbsError)}  cosine ${fmt(m.cosine)}`);
  }
}

function schemes(qp, values) {
  const list = qp.schemes();
  if (values.json) return console.log(JSON.stringify(list, null, 2));
  for (const s of list) {
    const bits = s.minBits ? `${s.minBits}-${s.maxBits} bits` : 'fixed width';
    console.log(`${s.name.padEnd(10)} ${s.family.padEnd(12)} ${bits.padEnd(12)} ${s.summary}`);
    console.log(`${''.padEnd(36)}reference: ${s.reference}`);
  }
}

async function compare(qp, files, values) {
  const model = openFiles(qp, files);
  if (values.tensor && values.tensor.length > 1) throw new UsageError('compare takes one --tensor');
  let index;
  if (values.tensor) {
    index = selectTensors(model, values.tensor)[0];
  } else {
    const names = new Set(defaultTensorSelection(model.tensors));
    const candidates = model.tensors.map((t, i) => ({ t, i })).filter(({ t }) => names.has(t.name));
    if (candidates.length === 0) throw new Error('no float tensor to compare (name one with --tensor)');
    index = candidates.reduce((a, b) => (b.t.parameters > a.t.parameters ? b : a)).i;
  }
  const t = model.readTensor(index);
  const rows = qp.compareSchemes(t.data, t.shape);
  if (values.json) {
    const clean = (o) => JSON.parse(JSON.stringify(o, (k, v) => (typeof v === 'number' ? jsonNumber(v) : v)));
    return console.log(JSON.stringify(clean({ tensor: t.name, shape: t.shape, rows }), null, 2));
  }
  console.log(`${t.name} [${t.shape.join(', ')}]: ${rows.length} schemes, '*' = Pareto front (fewest bits for its error)`);
  console.log(`  ${'scheme'.padEnd(40)} ${'bits/w'.padStart(7)} ${'SQNR dB'.padStart(8)} ${'MSE'.padStart(11)} ${'cosine'.padStart(9)} ${'ms'.padStart(7)}`);
  for (const r of [...rows].sort((a, b) => a.bitsPerWeight - b.bitsPerWeight)) {
    if (r.error) {
      console.log(`  ${r.label.padEnd(40)} refused: ${r.error}`);
      continue;
    }
    const m = r.metrics;
    console.log(`${r.pareto ? '*' : ' '} ${r.label.padEnd(40)} ${r.bitsPerWeight.toFixed(3).padStart(7)} ` +
      `${m.sqnrDb.toFixed(2).padStart(8)} ${m.mse.toExponential(3).padStart(11)} ${m.cosine.toFixed(6).padStart(9)} ${r.milliseconds.toFixed(1).padStart(7)}`);
  }
}

async function main(argv) {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [command, ...files] = positionals;
  if (!['inspect', 'quantize', 'compare', 'schemes', 'eval'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (files.length === 0 && command !== 'schemes') throw new UsageError(`${command} needs a FILE`);
  const qp = await loadQplay();
  if (command === 'inspect') await inspect(qp, files, values);
  else if (command === 'compare') await compare(qp, files, values);
  else if (command === 'schemes') schemes(qp, values);
  else if (command === 'eval') await evalCommand(qp, files, values);
  else await quantize(qp, files, values);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const usage = e instanceof UsageError;
    const message = String(e.message).split('\n')[0];
    console.error(`qplay: ${usage ? '' : 'error: '}${message}${usage ? ' (qplay --help for usage)' : ''}`);
    process.exit(usage ? 2 : 1);
  });
