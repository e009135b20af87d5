// `qplay eval`: the Network table of the page, in the terminal. The bundled models (mlp, cnn) or a
// network file, evaluated on the Fashion-MNIST test set (or the user's IDX data) in every mode.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED, CALIBRATION_SAMPLES } from '../lib/datasets.mjs';
import { STANDARD_MODES, evaluateModes, usesGptq } from '../lib/network_eval.mjs';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const DEBIAN_FMNIST = '/usr/share/datasets/fashion-mnist';

export const EVAL_USAGE = `  qplay eval MODEL [--data IMAGES.idx[.gz] --labels LABELS.idx[.gz]] [--mode M[,M...]] [--bits N]
             [--granularity channel|tensor|group] [--group-size G] [--layer-bits B,B,...] [--per-row]
             [--requantization float|fixed-point] [--scheme symmetric|affine] [--weight-calibration C]
             [--calibration C] [--calibration-data IMAGES --calibration-labels LABELS]
             [--calibration-count N] [--qat-steps N] [--qat-lr R] [--qat-distill A] [--qat-init auto|gptq|float]
             [--limit N] [--timing-runs N] [--json]

MODEL: mlp or cnn (the bundled Fashion-MNIST models) or a network file (.safetensors state dict
written by the playground or torch, .pt/.pth, .npz, or an .onnx chain of Gemm/MatMul/Conv/BN/pools).
--data: one .npz (inputs + labels), or inputs with --labels (.npy pair or IDX pair, gzipped or not). Data defaults to the 10 000 Fashion-MNIST test
images; static calibration and GPTQ to the first ${CALIBRATION_SAMPLES} training images. M: float, weight-only,
dynamic, static, qat (default: float32, weight-only int8, weight-only int4 g32 affine by GPTQ with
MSE-chosen clip ranges, dynamic int8, static int8). qat fine-tunes with fake quantization on the bundled 5000 training images (or
--calibration-data) for --qat-steps minibatches of 64 (default: 2 passes) at --qat-lr (1e-4), then
runs the static integer engine with the ranges QAT observed. By default each weight unit's range is
chosen by MSE during QAT and after (--weight-calibration minmax for PyTorch's observers), and the
float model's own output probabilities are mixed into the targets with weight 0.9 (knowledge
distillation; --qat-distill A from 0 to 1, 0 = labels only). QAT starts from GPTQ's weights on its
grid when every layer has ≥ 4 bits (H from the first ${CALIBRATION_SAMPLES} training images; --qat-init gptq or
float forces the GPTQ or the float start).
--layer-bits gives each weighted layer its bits (0 keeps it in float). --scheme affine (weight-only)
gives each unit a zero point too (GPTQ-style groups); the integer modes take symmetric weights.
--weight-calibration chooses each weight unit's clip range: minmax (default, as PyTorch's observers),
mse, percentile:P, entropy, histogram (the calibrators of \`qplay quantize\`), or gptq / gptq-C (GPTQ: each
column's rounding error compensated on the later columns through the layer's input statistics from the
calibration images; grids from min/max, or from calibrator C, e.g. gptq-mse). --requantization (static, qat):
the gemmlowp/TFLite integer-only fixed-point multiplier (default) or a float multiplier as ONNX Runtime.`;

export const EVAL_OPTIONS = {
  data: { type: 'string' }, labels: { type: 'string' }, 'calibration-data': { type: 'string' },
  'calibration-labels': { type: 'string' }, 'calibration-count': { type: 'string' }, limit: { type: 'string' },
  'timing-runs': { type: 'string' }, granularity: { type: 'string' }, 'layer-bits': { type: 'string' },
  'per-row': { type: 'boolean' }, requantization: { type: 'string' }, 'qat-steps': { type: 'string' }, 'qat-lr': { type: 'string' }, 'qat-distill': { type: 'string' },
  'qat-init': { type: 'string' },
  'weight-calibration': { type: 'string' },
};

function readFile(file, what) {
  if (!existsSync(file)) throw new Error(`${what} '${file}' does not exist`);
  return new Uint8Array(readFileSync(file));
}

function positiveInt(text, name) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`--${name} needs a positive integer, got '${text}'`);
  return Number(text);
}

function positiveNumber(text, name) {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`--${name} needs a positive number, got '${text}'`);
  return v;
}

function unitNumber(text, name) {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !(v >= 0 && v <= 1)) throw new Error(`--${name} needs a number from 0 to 1, got '${text}'`);
  return v;
}

function qatInit(text) {
  if (text === undefined) return undefined;
  if (!['auto', 'gptq', 'float'].includes(text)) throw new Error(`--qat-init must be auto, gptq or float, got '${text}'`);
  return text === 'auto' ? 'auto' : text === 'gptq';
}

// The bundled file in web/public (built), else the Debian package's originals.
function bundledData(kind) {
  const local = path.join(root, 'web/public', BUNDLED[kind].images);
  if (existsSync(local)) return { images: local, labels: path.join(root, 'web/public', BUNDLED[kind].labels) };
  const prefix = kind === 'test' ? 't10k' : 'train';
  return { images: path.join(DEBIAN_FMNIST, `${prefix}-images-idx3-ubyte.gz`),
    labels: path.join(DEBIAN_FMNIST, `${prefix}-labels-idx1-ubyte.gz`) };
}

// One .npz, or inputs + labels (.npy pair or IDX pair): the core sorts them out.
function loadData(qp, inputs, labels, what, inputShape) {
  const files = [inputs, labels].filter(Boolean).map((f) => {
    const bytes = readFile(f, what);
    return { name: path.basename(f), size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) };
  });
  try {
    return qp.datasetFromFiles(files, inputShape);
  } catch (e) {
    throw new Error(`${what}: ${e.message}`);
  }
}

function modeList(values) {
  const requantization = values.requantization;
  if (requantization && !['float', 'fixed-point'].includes(requantization))
    throw new Error(`unknown requantization '${requantization}': use float or fixed-point`);
  if (!values.mode) return requantization ? STANDARD_MODES.map((m) => ({ ...m, requantization })) : STANDARD_MODES;
  const bits = values.bits === undefined ? undefined : Number(values.bits);
  const granularity = values.granularity ?? (values['group-size'] ? 'group' : 'channel');
  const groupSize = values['group-size'] ? Number(values['group-size']) : undefined;
  const layerBits = values['layer-bits']?.split(',').map(Number);
  const rows = values.mode.split(',').map((mode) => {
    if (!['float', 'weight-only', 'dynamic', 'static', 'qat'].includes(mode))
      throw new Error(`unknown mode '${mode}': use float, weight-only, dynamic, static or qat`);
    if (mode === 'float') return { label: 'float32', mode };
    const b = bits ?? (mode === 'weight-only' && groupSize ? 4 : 8);
    const what = (granularity === 'group' ? ` g${groupSize}` : granularity === 'tensor' ? ' per-tensor' : '') +
      (values.scheme === 'affine' ? ' affine' : '') +
      (values['weight-calibration'] && values['weight-calibration'] !== 'minmax' ? ` ${values['weight-calibration']}` : '') +
      (mode === 'qat' && Number(values['qat-distill']) > 0 ? ` distill ${values['qat-distill']}` : '') +
      (mode === 'qat' && ['float', 'gptq'].includes(values['qat-init']) ? ` ${values['qat-init']} start` : '');
    return { label: `${mode} int${b}${what}${layerBits ? ` [${layerBits.join(',')}]` : ''}`, mode, bits: b, scheme: values.scheme,
      granularity, groupSize, layerBits, perRow: Boolean(values['per-row']), requantization,
      weightCalibration: values['weight-calibration'],
      steps: positiveInt(values['qat-steps'], 'qat-steps'), learningRate: positiveNumber(values['qat-lr'], 'qat-lr'),
      distillation: unitNumber(values['qat-distill'], 'qat-distill'), gptqInit: qatInit(values['qat-init']) };
  });
  return rows.some((r) => r.mode === 'float') ? rows : [{ label: 'float32', mode: 'float' }, ...rows];
}

export async function evalCommand(qp, args, values) {
  if (args.length !== 1) throw new Error('eval needs exactly one MODEL (mlp, cnn or a network file)');
  const [model] = args;
  const file = ['mlp', 'cnn'].includes(model) ? path.join(root, 'web/public', BUNDLED.models[model]) : model;
  const network = qp.loadNetwork(readFile(file, 'network'), path.basename(file));
  const testFiles = values.data ? { images: values.data, labels: values.labels } : bundledData('test');
  const test = loadData(qp, testFiles.images, testFiles.labels, 'test data', network.info.input);
  for (const w of network.warnings) console.error(`qplay: note: ${w}`);
  const calibFiles = values['calibration-data']
    ? { images: values['calibration-data'], labels: values['calibration-labels'] } : bundledData('train');
  const modes = modeList(values);
  const calibrationData = modes.some((m) => m.mode === 'static' || m.mode === 'qat' || usesGptq(m))
    ? loadData(qp, calibFiles.images, calibFiles.labels, 'calibration data', network.info.input) : null;
  const { rows, count, ranges } = await evaluateModes(qp, network, test, {
    modes, calibrationData, calibration: values.calibration ?? 'minmax',
    calibrationCount: positiveInt(values['calibration-count'], 'calibration-count') ?? CALIBRATION_SAMPLES,
    limit: positiveInt(values.limit, 'limit') ?? test.count,
    timingRuns: values['timing-runs'] === '0' ? 0 : positiveInt(values['timing-runs'], 'timing-runs') ?? 200,
  });
  if (values.json) {
    console.log(JSON.stringify({ model: path.basename(file), samples: count, ranges, build: qp.build,
      rows: rows.map(({ predictions, confusion, ...r }) => ({ ...r, confusion: Array.from(confusion) })) }, null, 1));
    return;
  }
  console.log(`${path.basename(file)}: ${network.info.parameters} parameters, ${count} test samples, ${qp.build} build`);
  console.log(`${'mode'.padEnd(38)} ${'accuracy'.padStart(9)} ${'Δ pp'.padStart(7)} ${'size KB'.padStart(9)} ` +
    `${'batch-1 µs'.padStart(11)} ${'img/s @256'.padStart(11)}`);
  for (const r of rows) {
    const t = r.timing;
    console.log(`${r.label.padEnd(38)} ${(100 * r.accuracy).toFixed(2).padStart(8)}% ${r.deltaPp.toFixed(2).padStart(7)} ` +
      `${(r.modelBytes / 1024).toFixed(1).padStart(9)} ${t ? t.batch1MedianUs.toFixed(1).padStart(11) : '-'.padStart(11)} ` +
      `${t ? Math.round(t.batchImagesPerSecond).toString().padStart(11) : '-'.padStart(11)}`);
  }
}
