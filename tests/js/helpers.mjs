// Shared helpers of the JS tests: deterministic data and fixture locations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../../web/app/tensors.mjs';  // the page's seeded PRNG (Mulberry32)

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const oracleRoot = process.env.QP_ORACLE_DIR ?? path.resolve(repoRoot, '../shared/fixtures/oracle-sample');

// Normal-ish values (sum of uniforms) with a per-row scale and a few outliers.
export function weightLike(rows, cols, seed) {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const rowScale = 0.2 + 2 * r();
    for (let j = 0; j < cols; j++) x[i * cols + j] = rowScale * (r() + r() + r() - 1.5);
  }
  for (let k = 0; k < Math.max(1, x.length >> 9); k++) x[Math.floor(r() * x.length)] *= 8;
  return x;
}

export function bytesOf(typed) {
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

export function sameBytes(a, b) {
  const x = bytesOf(a), y = bytesOf(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
