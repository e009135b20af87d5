// The networks the network benchmark runs (scripts/bench_network.mjs): the bundled models when
// they exist (web/public/models/{mlp,cnn}.safetensors), else a stand-in of the same architecture,
// names and shapes with seeded random weights (same speed, meaningless accuracy), and the ONNX
// peers made from them by scripts/bench/network_onnx.py (Debian python3-onnx, python3-numpy).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ARCHITECTURES = Object.freeze({
  mlp: [
    { kind: 'flatten' },
    { kind: 'linear', name: 'fc1', in: 784, out: 256 }, { kind: 'relu' },
    { kind: 'linear', name: 'fc2', in: 256, out: 128 }, { kind: 'relu' },
    { kind: 'linear', name: 'fc3', in: 128, out: 10 },
  ],
  cnn: [
    { kind: 'conv2d', name: 'conv1', in: 1, out: 16, kernel: 3, stride: 1, padding: 1 }, { kind: 'relu' },
    { kind: 'maxpool2d', kernel: 2, stride: 2 },
    { kind: 'conv2d', name: 'conv2', in: 16, out: 32, kernel: 3, stride: 1, padding: 1 }, { kind: 'relu' },
    { kind: 'maxpool2d', kernel: 2, stride: 2 },
    { kind: 'flatten' },
    { kind: 'linear', name: 'fc', in: 32 * 7 * 7, out: 10 },
  ],
});

// splitmix64 → uniform floats in [-bound, bound): a reproducible stand-in from a seed.
function* uniforms(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  const M = (1n << 64n) - 1n;
  for (;;) {
    s = (s + 0x9E3779B97F4A7C15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & M;
    z ^= z >> 31n;
    yield Number(z >> 11n) / 9007199254740992;
  }
}

function randomTensors(layers, seed) {
  const rand = uniforms(seed);
  const tensors = [];
  for (const l of layers) {
    if (l.kind !== 'linear' && l.kind !== 'conv2d') continue;
    const k = l.kind === 'conv2d' ? l.kernel : 1;
    const fanIn = l.in * k * k;
    const bound = 1 / Math.sqrt(fanIn);
    const fill = (n) => Float32Array.from({ length: n }, () => (2 * rand.next().value - 1) * bound);
    tensors.push({ name: `${l.name}.weight`, shape: l.kind === 'conv2d' ? [l.out, l.in, k, k] : [l.out, l.in], data: fill(l.out * fanIn) });
    tensors.push({ name: `${l.name}.bias`, shape: [l.out], data: fill(l.out) });
  }
  return tensors;
}

const encode = (qp, layers, tensors, note) => qp.encodeSafetensors(tensors,
  { 'qp.architecture': JSON.stringify(layers), 'qp.input': '1x28x28', ...(note ? { 'qp.note': note } : {}) });

/**
 * A safetensors file of `arch` (an ARCHITECTURES key): every layer but the last with PyTorch-default-
 * like random weights (uniform ±1/sqrt(fan_in)); the last one, when `train` (a labelled core dataset)
 * is given, a nearest-class-mean readout of the random features (score_c = μ_c·x − ½|μ_c|², μ_c the
 * mean feature vector of class c over `train`), so the stand-in predicts every class (~60–75% on
 * Fashion-MNIST) and the cross-check of the benchmark means something; else random too.
 * The playground's qp.architecture / qp.input metadata are included. Same speed as a trained model.
 */
export function standInNetworkBytes(qp, arch, { seed = 6, train = null, count = 2000 } = {}) {
  const layers = ARCHITECTURES[arch];
  const tensors = randomTensors(layers, seed);
  if (!train) return encode(qp, layers, tensors, `benchmark stand-in: random weights (seed ${seed}), not a trained model`);
  // The features: the network without its last Linear (it ends in a flat vector already).
  const last = layers[layers.length - 1];
  const featureNet = qp.loadNetwork(encode(qp, layers.slice(0, -1), tensors.slice(0, -2)), 'features.safetensors');
  const engine = featureNet.prepare({ mode: 'float' });
  const n = Math.min(count, train.count), d = last.in, classes = last.out;
  const mu = new Float64Array(classes * d), seen = new Float64Array(classes);
  for (let b = 0; b < n; b += 250) {
    const m = Math.min(250, n - b);
    const f = engine.forward(train.inputs(b, m), m);
    for (let i = 0; i < m; i++) {
      const c = train.labels[b + i];
      seen[c]++;
      for (let j = 0; j < d; j++) mu[c * d + j] += f[i * d + j];
    }
  }
  engine.release();
  featureNet.release();
  // The engine returns a flattened map in its own H×W×C order (Flatten moves no data there); the
  // Linear reads PyTorch's C×H×W order.
  const convs = layers.filter((l) => l.kind === 'conv2d');
  const channels = convs.length ? convs[convs.length - 1].out : d;
  const positions = d / channels;
  const chw = (j) => (j % channels) * positions + Math.floor(j / channels);
  const w = tensors[tensors.length - 2].data, bias = tensors[tensors.length - 1].data;
  for (let c = 0; c < classes; c++) {
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const v = mu[c * d + j] / Math.max(seen[c], 1);
      w[c * d + chw(j)] = v;
      sq += v * v;
    }
    bias[c] = -0.5 * sq;
  }
  return encode(qp, layers, tensors, `benchmark stand-in: random features (seed ${seed}) and a nearest-class-mean ` +
    `readout from ${n} training images; not a trained model`);
}

/** Debian's interpreter first: a pyenv python3 earlier on PATH lacks the Debian onnx package. */
export function pythonCommand() {
  if (process.env.QP_PYTHON) return process.env.QP_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/**
 * Writes <stem>.{float,qdq,qop}.onnx for `modelFile` into `outDir` with the activation ranges of
 * our core; returns { float, qdq, qop } paths. Throws with Python's message on failure.
 */
export function makeOnnxModels({ repoRoot, modelFile, ranges, outDir, stem, forms = ['float', 'qdq', 'qop'], perturb = null }) {
  mkdirSync(outDir, { recursive: true });
  const rangesFile = path.join(outDir, `${stem}.ranges.json`);
  writeFileSync(rangesFile, `${JSON.stringify({ ranges })}\n`);
  const args = [path.join(repoRoot, 'scripts/bench/network_onnx.py'), modelFile, '--calibration', rangesFile,
    '--out-dir', outDir, '--stem', stem, '--forms', forms.join(',')];
  if (perturb !== null) args.push('--perturb', String(perturb));
  let out;
  try {
    out = execFileSync(pythonCommand(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`scripts/bench/network_onnx.py failed (${pythonCommand()}; needs Debian python3-onnx ` +
      `and python3-numpy):\n${e.stderr || e.message}`);
  }
  return JSON.parse(out.trim().split('\n').pop());
}

export function readBytes(file) {
  return new Uint8Array(readFileSync(file));
}
