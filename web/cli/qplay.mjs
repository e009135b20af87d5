#!/usr/bin/env node
// qplay: the command-line face of Quantization Playground. Runs the same WebAssembly core as the
// page, under Node. Usage: see USAGE below or README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import { loadQplay } from '../lib/qplay.mjs';

const USAGE = `usage:
  qplay inspect FILE.npy [--json]
  qplay quantize FILE.npy --bits N [--scheme affine|symmetric] [--unsigned]
                 [--per-channel AXIS] [--mode pytorch|onnx] --out OUT.npz [--json]

quantize writes OUT.npz with codes.npy (int8, or uint8 with --unsigned; same shape as the input),
scales.npy (float32 [C]), zero_points.npy (int32 [C]), dequantized.npy (float32, input shape),
observed_min.npy and observed_max.npy (float32 [C]); C = 1 per tensor, else the size of AXIS.`;

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
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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

function readInput(qp, file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(e.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${e.message}`);
  }
  try {
    return qp.readNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${file}: ${e.message}`);
  }
}

const fmt = (v) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(6));
const jsonNumber = (v) => (Number.isFinite(v) ? v : String(v));  // JSON has no Infinity

async function inspect(qp, file, asJson) {
  const t = readInput(qp, file);
  const s = qp.stats(t.data);
  const info = { file, dtype: t.dtype, shape: t.shape, fortranOrder: t.fortranOrder, ...s };
  if (asJson) return console.log(JSON.stringify(info, null, 2));
  console.log(`${file}: ${t.dtype} [${t.shape.join(', ')}]${t.fortranOrder ? ' (Fortran order)' : ''}, ${s.count} values`);
  console.log(`  min ${fmt(s.min)}  max ${fmt(s.max)}  mean ${fmt(s.mean)}  std ${fmt(s.std)}`);
  console.log(`  NaN ${s.nanCount}  +Inf ${s.posInfCount}  -Inf ${s.negInfCount}`);
}

async function quantize(qp, file, values) {
  if (values.bits === undefined) throw new UsageError('quantize needs --bits N (2..8)');
  if (!values.out) throw new UsageError('quantize needs --out OUT.npz');
  if (!values.out.endsWith('.npz')) throw new UsageError('--out must name a .npz file');
  const options = {
    bits: integerOption(values.bits, 'bits'),
    scheme: values.scheme ?? 'affine',
    signed: !values.unsigned,
    mode: values.mode ?? 'pytorch',
    axis: values['per-channel'] === undefined ? null : integerOption(values['per-channel'], 'per-channel'),
  };
  const t = readInput(qp, file);
  const r = qp.quantize(t.data, t.shape, options);
  const c = [r.scales.length];
  const npz = zipSync({
    'codes.npy': qp.encodeNpy(r.codes, r.shape),
    'scales.npy': qp.encodeNpy(r.scales, c),
    'zero_points.npy': qp.encodeNpy(r.zeroPoints, c),
    'dequantized.npy': qp.encodeNpy(r.dequantized, r.shape),
    'observed_min.npy': qp.encodeNpy(r.observedMin, c),
    'observed_max.npy': qp.encodeNpy(r.observedMax, c),
  }, { level: 0 });  // stored, like numpy.savez
  try {
    writeFileSync(values.out, npz);
  } catch (e) {
    throw new Error(`cannot write ${values.out}: ${e.message}`);
  }
  const summary = {
    input: file, output: values.out, dtype: t.dtype, shape: r.shape, bits: r.bits, signed: r.signed,
    scheme: r.scheme, mode: r.mode, axis: r.axis, qmin: r.qmin, qmax: r.qmax,
    scales: Array.from(r.scales), zeroPoints: Array.from(r.zeroPoints),
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, jsonNumber(v)])),
    build: qp.build,
  };
  if (values.json) return console.log(JSON.stringify(summary, null, 2));
  const m = r.metrics;
  const where = r.axis === null ? 'per tensor' : `per channel along axis ${r.axis} (${r.scales.length} channels)`;
  console.log(`${file} -> ${values.out}: ${r.bits}-bit ${r.signed ? 'signed' : 'unsigned'} ${r.scheme}, ${where}, ${r.mode} numerics`);
  if (r.axis === null) console.log(`  scale ${fmt(r.scales[0])}  zero point ${r.zeroPoints[0]}  grid [${r.qmin}, ${r.qmax}]`);
  console.log(`  MSE ${fmt(m.mse)}  SQNR ${fmt(m.sqnrDb)} dB  max |err| ${fmt(m.maxAbsError)}  cosine ${fmt(m.cosine)}`);
}

async function main(argv) {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [command, file, ...extra] = positionals;
  if (!['inspect', 'quantize'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (!file) throw new UsageError(`${command} needs a FILE.npy`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const qp = await loadQplay();
  if (command === 'inspect') await inspect(qp, file, values.json);
  else await quantize(qp, file, values);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const usage = e instanceof UsageError;
    console.error(`qplay: ${usage ? '' : 'error: '}${e.message}${usage ? ' (qplay --help for usage)' : ''}`);
    process.exit(usage ? 2 : 1);
  });
