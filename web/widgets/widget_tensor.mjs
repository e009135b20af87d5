// The synthetic tensors a widget names by attributes (distribution, seed, size): the page's
// synthetic sources (web/app/tensors.mjs: same PRNG, same draws, same scales) at any size, shaped
// as a matrix so per-channel and grouped schemes apply. At the page's own sizes they give the
// page's tensors value for value (uniform 4096 = 64×64, laplace 393216 = 512×768, normal 1048576 =
// 1024×1024). DOM-free: the widget worker and the tests use it.
import { normals, rng } from '../app/tensors.mjs';

export const DISTRIBUTIONS = Object.freeze(['normal', 'laplace', 'uniform', 'outliers']);
export const MAX_SIZE = 1 << 24;  // 16.8M values: the page's largest synthetic tensor

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

/** [rows, cols] with rows the largest divisor of n not above √n (a prime n gives [1, n]). */
export function matrixShape(n) {
  for (let rows = Math.floor(Math.sqrt(n)); rows > 1; rows--) if (n % rows === 0) return [rows, n / rows];
  return [1, n];
}

// Laplace(0, 0.01) with isolated outliers: 40 in the page's 512×768 tensor, as many per value here.
function laplace(rand, data) {
  for (let i = 0; i < data.length; i++) {
    const u = rand() - 0.5;  // inverse CDF
    data[i] = -0.01 * Math.sign(u) * Math.log(Math.max(1 - 2 * Math.abs(u), 1e-12));
  }
  sprinkleOutliers(rand, data, Math.max(1, Math.round((data.length * 40) / (512 * 768))), 0.2, 0.3);
}

function sprinkleOutliers(rand, data, count, base, spread) {
  for (let k = 0; k < count; k++) data[Math.floor(rand() * data.length)] = (rand() < 0.5 ? -1 : 1) * (base + spread * rand());
}

/**
 * {name, shape, data} for {distribution = 'normal', seed = 1, size = 4096}. 'outliers': the normal
 * tensor with one value in 500 replaced by ±(0.2…0.5), ten to twenty-five standard deviations out.
 */
export function makeWidgetTensor({ distribution = 'normal', seed = 1, size = 4096 } = {}) {
  if (!DISTRIBUTIONS.includes(distribution))
    throw userError(`unknown distribution "${distribution}": use ${DISTRIBUTIONS.join(', ')}`);
  const n = Number(size), s = Number(seed);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SIZE) throw userError(`size must be a whole number from 1 to ${MAX_SIZE}, got "${size}"`);
  if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw userError(`seed must be a whole number from 0 to 4294967295, got "${seed}"`);
  const rand = rng(s);
  const data = new Float32Array(n);
  if (distribution === 'normal' || distribution === 'outliers') {
    const gauss = normals(rand);
    for (let i = 0; i < n; i++) data[i] = 0.02 * gauss();
    if (distribution === 'outliers') sprinkleOutliers(rand, data, Math.max(1, Math.round(n / 500)), 0.2, 0.3);
  } else if (distribution === 'laplace') {
    laplace(rand, data);
  } else {
    for (let i = 0; i < n; i++) data[i] = 2 * rand() - 1;
  }
  const shape = matrixShape(n);
  return { name: `${distribution} ${shape.join('×')}, seed ${s}`, shape, data };
}
