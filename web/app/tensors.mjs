// The tensors the page offers without an upload: the bundled example file and seeded synthetic
// tensors. DOM-free: used by the Worker (synthetic tensors) and by scripts/make_example_tensor.mjs
// (the example file), so both generate the same numbers from the same code.
//
// Deterministic: a seeded PRNG (Mulberry32) and Box–Muller normals; no Math.random. V8 implements
// Math.log/cos/exp with fdlibm ports, so Node gives the same bits on every platform.

/** Where the bundled example lives, relative to the page (written by scripts/make_example_tensor.mjs). */
export const EXAMPLE = Object.freeze({
  file: 'examples/linear_256x512.npy',
  label: 'Example: linear weight 256×512',
  rows: 256,
  cols: 512,
  seed: 20240607,
});

/** Mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller, both outputs used). */
export function normals(rand) {
  let spare = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - rand();  // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rand();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/**
 * A weight-like matrix [rows, cols] (a linear layer's weight, out × in): per-row scales spread
 * log-normally (≈30× between the smallest and largest rows), Student-t(5) heavy tails, three input
 * features (columns) carrying 3× larger weights, and a dozen isolated outliers. Per-tensor ranges
 * are set by the few large rows and outliers, so per-channel (axis 0) quantization visibly wins.
 */
export function exampleWeight(rows = EXAMPLE.rows, cols = EXAMPLE.cols, seed = EXAMPLE.seed) {
  const rand = rng(seed);
  const gauss = normals(rand);
  const x = new Float32Array(rows * cols);
  const hotColumns = [Math.floor(rand() * cols), Math.floor(rand() * cols), Math.floor(rand() * cols)];
  for (let i = 0; i < rows; i++) {
    const rowScale = 0.02 * Math.exp(0.6 * gauss());
    for (let j = 0; j < cols; j++) {
      // Student t with 5 degrees of freedom: z / sqrt(chi2_5 / 5).
      let chi2 = 0;
      for (let k = 0; k < 5; k++) {
        const g = gauss();
        chi2 += g * g;
      }
      x[i * cols + j] = rowScale * gauss() / Math.sqrt(chi2 / 5);
    }
    for (const j of hotColumns) x[i * cols + j] *= 3;
  }
  for (let k = 0; k < 12; k++) {
    const i = Math.floor(rand() * x.length);
    x[i] = (rand() < 0.5 ? -1 : 1) * (0.4 + 0.4 * rand());
  }
  return x;
}

/** Synthetic tensors generated in the Worker from a seed. `make(seed)` returns {shape, data}. */
export const SYNTHETIC = Object.freeze({
  normal: {
    label: 'Synthetic: normal, 1024×1024 (1M values)',
    make(seed) {
      const gauss = normals(rng(seed));
      const data = new Float32Array(1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = 0.02 * gauss();
      return { shape: [1024, 1024], data };
    },
  },
  // Large enough to try "compare all" at the size of a real layer (16.8M values, 64 MiB float32).
  normal4096: {
    label: 'Synthetic: normal, 4096×4096 (16.8M values)',
    make(seed) {
      const gauss = normals(rng(seed));
      const data = new Float32Array(4096 * 4096);
      for (let i = 0; i < data.length; i++) data[i] = 0.02 * gauss();
      return { shape: [4096, 4096], data };
    },
  },
  laplace: {
    label: 'Synthetic: Laplace + outliers, 512×768',
    make(seed) {
      const rand = rng(seed);
      const data = new Float32Array(512 * 768);
      for (let i = 0; i < data.length; i++) {
        const u = rand() - 0.5;  // inverse CDF of Laplace(0, b = 0.01)
        data[i] = -0.01 * Math.sign(u) * Math.log(Math.max(1 - 2 * Math.abs(u), 1e-12));
      }
      for (let k = 0; k < 40; k++) data[Math.floor(rand() * data.length)] = (rand() < 0.5 ? -1 : 1) * (0.2 + 0.3 * rand());
      return { shape: [512, 768], data };
    },
  },
  uniform: {
    label: 'Synthetic: uniform [−1, 1), 64×64',
    make(seed) {
      const rand = rng(seed);
      const data = new Float32Array(64 * 64);
      for (let i = 0; i < data.length; i++) data[i] = 2 * rand() - 1;
      return { shape: [64, 64], data };
    },
  },
});
