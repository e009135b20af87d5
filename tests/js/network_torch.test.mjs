// Models trained elsewhere (tests/fixtures/nn/torch_trained, made by
// scripts/fixtures/nn/make_torch_trained.py): an MLP and a CNN trained by torch on all of
// Fashion-MNIST, loaded through qp.loadNetwork as a user would, must predict torch's class for each
// of the 10 000 test images (web/public/fmnist, read through qp.datasetFromFiles) in both
// WebAssembly builds, except on rounding ties: images whose torch top-1 minus top-2 margin is
// below 1e-3 (float32 sums in a different order move each logit by ~1e-5; the native test
// tests/cpp/test_nn_import.cpp measures it and derives the bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadQplay } from '../../web/lib/qplay.mjs';
import { repoRoot } from './helpers.mjs';

const TIE_MARGIN = 1e-3;
const dir = path.join(repoRoot, 'tests/fixtures/nn/torch_trained');
const fmnist = path.join(repoRoot, 'web/public/fmnist');
const source = (file) => {
  const bytes = new Uint8Array(readFileSync(file));
  return { name: path.basename(file), size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) };
};

const builds = { simd: await loadQplay({ build: 'simd' }), scalar: await loadQplay({ build: 'scalar' }) };

for (const file of ['mlp.onnx', 'mlp.pt', 'cnn.onnx']) {
  test(`${file} trained by torch: torch's predictions on the 10 000 Fashion-MNIST test images`, () => {
    const images = path.join(fmnist, 't10k-images-idx3-ubyte.gz');
    assert.ok(existsSync(images), `${images} is missing: node scripts/make_fmnist_assets.mjs writes it`);
    const model = file.split('.')[0];
    const qp0 = builds.simd;
    const pred = qp0.readNpy(new Uint8Array(readFileSync(path.join(dir, `${model}.pred.npy`)))).data;
    const margin = qp0.readNpy(new Uint8Array(readFileSync(path.join(dir, `${model}.margin.npy`)))).data;
    const { models } = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    const predicted = {};
    for (const [build, qp] of Object.entries(builds)) {
      const net = qp.loadNetwork([source(path.join(dir, file))]);
      const data = qp.datasetFromFiles([source(images), source(path.join(fmnist, 't10k-labels-idx1-ubyte.gz'))],
        net.info.input);
      assert.equal(data.count, 10000);
      const engine = net.prepare({ mode: 'float' });
      const ours = engine.predict(data);
      const labels = data.labels;
      let torchCorrect = 0, oursCorrect = 0, disagreements = 0;
      for (let i = 0; i < 10000; i++) {
        torchCorrect += pred[i] === labels[i];
        oursCorrect += ours[i] === labels[i];
        if (ours[i] !== pred[i]) {
          disagreements++;
          assert.ok(margin[i] < TIE_MARGIN, `${build} ${file} image ${i}: ours ${ours[i]}, torch ${pred[i]}, margin ${margin[i]}`);
        }
      }
      // torch's recorded accuracy, and ours up to the ties resolved the other way.
      assert.equal(torchCorrect, models[model].correct);
      assert.ok(Math.abs(oursCorrect - torchCorrect) <= disagreements, `${build} ${file}: ${oursCorrect} vs ${torchCorrect}`);
      predicted[build] = ours;
      for (const h of [engine, data, net]) h.release();
    }
    assert.deepEqual(predicted.simd, predicted.scalar);
  });
}
