#!/usr/bin/env node
// Writes the committed fixture of tests/js/bench_network.test.mjs into tests/fixtures/bench_network/,
// so the test runs the network benchmark without Python:
//   tiny.safetensors          a plain MLP state dict fc1 784→16, fc2 16→10 (architecture inferred):
//                             fc1's first 10 rows are the class means of the first 1000 training
//                             images minus their overall mean (a nearest-mean classifier that
//                             predicts every class), rows 10..15 small seeded noise; fc2 picks them
//   tiny.ranges.json          our core's calibrated ranges (first 1000 training images, minmax)
//   tiny.{float,qdq,qop}.onnx scripts/bench/network_onnx.py on the two above
//   tiny-perturbed.{float,qdq}.onnx  the same with 10 added to the last bias of the class our float
//                             model predicts most often: the cross-check must flag them
// Regenerate after a change to the core's calibration or to network_onnx.py:
//   node scripts/bench/network_fixture.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './bench_node.mjs';
import { makeOnnxModels, readBytes } from './network_models.mjs';

export const FIXTURE_DIR = path.join(repoRoot, 'tests/fixtures/bench_network');

const { loadQplay } = await import('../../web/lib/qplay.mjs');
const { BUNDLED, CALIBRATION_SAMPLES, idxDataset } = await import('../../web/lib/datasets.mjs');
const qp = await loadQplay();
const file = (rel) => readBytes(path.join(repoRoot, 'web/public', rel));
const calib = await idxDataset(qp, file(BUNDLED.train.images), file(BUNDLED.train.labels));
const test = await idxDataset(qp, file(BUNDLED.test.images), file(BUNDLED.test.labels));

const H = 16, K = 784, C = 10;
const x = calib.inputs(0, CALIBRATION_SAMPLES);
const means = new Float64Array(C * K), counts = new Float64Array(C), all = new Float64Array(K);
for (let i = 0; i < CALIBRATION_SAMPLES; i++) {
  const c = calib.labels[i];
  counts[c]++;
  for (let k = 0; k < K; k++) { means[c * K + k] += x[i * K + k]; all[k] += x[i * K + k] / CALIBRATION_SAMPLES; }
}
let seed = 12345;
const noise = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
const w1 = new Float32Array(H * K), b1 = new Float32Array(H), w2 = new Float32Array(C * H), b2 = new Float32Array(C);
for (let h = 0; h < H; h++)
  for (let k = 0; k < K; k++) w1[h * K + k] = h < C ? means[h * K + k] / counts[h] - all[k] : 0.02 * noise();
for (let h = 0; h < C; h++) b1[h] = 2;  // keep the ReLU open for most images
for (let c = 0; c < C; c++) { w2[c * H + c] = 1; for (let h = C; h < H; h++) w2[c * H + h] = 0.1 * noise(); }
const bytes = qp.encodeSafetensors([
  { name: 'fc1.weight', shape: [H, K], data: w1 }, { name: 'fc1.bias', shape: [H], data: b1 },
  { name: 'fc2.weight', shape: [C, H], data: w2 }, { name: 'fc2.bias', shape: [C], data: b2 },
]);
const model = path.join(FIXTURE_DIR, 'tiny.safetensors');
writeFileSync(model, bytes);
const net = qp.loadNetwork(bytes, 'tiny.safetensors');
const ranges = net.calibrate(calib, { count: CALIBRATION_SAMPLES });
const engine = net.prepare({ mode: 'float' });
const preds = engine.predict(test, 0, 512);
const freq = new Array(C).fill(0);
for (const p of preds) freq[p]++;
const accuracy = preds.reduce((s, p, i) => s + (p === test.labels[i]), 0) / preds.length;
const perturb = freq.indexOf(Math.min(...freq));  // +10 to the rarest class: most predictions move to it
makeOnnxModels({ repoRoot, modelFile: model, ranges, outDir: FIXTURE_DIR, stem: 'tiny' });
makeOnnxModels({ repoRoot, modelFile: model, ranges, outDir: FIXTURE_DIR, stem: 'tiny-perturbed', forms: ['float', 'qdq'], perturb });
// makeOnnxModels wrote <stem>.ranges.json; the perturbed one is the same.
console.log(`fixture written to ${path.relative(repoRoot, FIXTURE_DIR)}: float accuracy ${(100 * accuracy).toFixed(1)}% ` +
  `on the first 512 test images, predictions per class ${freq.join(' ')}, perturbed class ${perturb}`);
