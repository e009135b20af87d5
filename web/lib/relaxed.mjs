// Load-time linking of the relaxed-SIMD GEMM micro-kernels (src/kernels/gemm_q8_relaxed.wat,
// assembled into gen/qp_relaxed.wasm) into a loaded core module. DOM-free; used by loadQplay.
//
// The kernel module imports the core's own WebAssembly.Memory (no copies) and its two exports are
// appended to the core's function table, so the C++ driver calls them wasm to wasm through a
// function pointer (call_indirect), with no JS in the hot path. Installed only when
//   - the engine validates the relaxed-SIMD instruction the kernels use (RELAXED_PROBE),
//   - the runtime is not Node: Node 20's relaxed dot gives wrong sums (shared/notes/toolchain.md), and
//   - the kernel gives exact sums on a small known input (relaxedKernelSelfCheck).
// Everywhere else the kind 'int8-relaxed' reports a clear error and 'int8' (SIMD128) is used.

// (func (param v128) (result v128) local.get 0 ×2, i16x8.relaxed_dot_i8x16_i7x16_s): the
// instruction the kernels use (opcode 0xfd 0x112), assembled by wat2wasm --enable-relaxed-simd.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0,
  10, 11, 1, 9, 0, 32, 0, 32, 0, 253, 146, 2, 11]);

/** True when this engine can compile relaxed SIMD's int8 dot product. */
export function engineHasRelaxedSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

function runtimeIsNode() {
  return typeof process === 'object' && typeof process.versions === 'object' && typeof process.versions.node === 'string';
}

/**
 * Runs the 1x8 kernel of a private instance (own memory) on codes covering the whole i8 range
 * against i7 codes covering [0, 127] and compares with sums computed here: false when the engine's
 * relaxed dot is wrong even in range. Throws if the module does not compile.
 */
export function relaxedKernelSelfCheck(moduleBytes) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } });
  const blocks = 2, A = 0, PANEL = 256, OUT = 1024;
  const bytes = new Int8Array(memory.buffer);
  for (let p = 0; p < 16 * blocks; p++) bytes[A + p] = ((p * 37 + 11) & 255) - 128;
  for (let i = 0; i < 8 * 16 * blocks; i++) bytes[PANEL + i] = (i * 53 + 7) & 127;
  exports.gemm_q8_relaxed_micro_1x8(blocks, A, PANEL, OUT);
  const out = new Int32Array(memory.buffer, OUT, 8);
  for (let j = 0; j < 8; j++) {
    // Column j: pair j>>1's stream (32·blocks bytes), slot j&1 of each 32-byte block pair.
    let sum = 0;
    for (let p = 0; p < 16 * blocks; p++) {
      sum += bytes[A + p] * bytes[PANEL + (j >> 1) * 32 * blocks + (p >> 4) * 32 + (j & 1) * 16 + (p & 15)];
    }
    if (out[j] !== sum) return false;
  }
  return true;
}

function exportOfType(module, type) {
  return Object.values(module.asm ?? {}).find((v) => v instanceof type);
}

/**
 * Installs the relaxed kernels into `module` (a loaded SIMD core) when the runtime allows it.
 * Never throws for a missing feature: returns { relaxedSimd, relaxedInstalled, relaxedReason }
 * (relaxedReason says why it is not installed, or null).
 */
export async function installRelaxedKernels(module) {
  const relaxedSimd = engineHasRelaxedSimd();
  const report = (relaxedInstalled, relaxedReason) => ({ relaxedSimd, relaxedInstalled, relaxedReason });
  if (!relaxedSimd) return report(false, 'this engine has no WebAssembly relaxed SIMD');
  if (runtimeIsNode()) return report(false, "not used in Node: Node 20's relaxed SIMD was seen giving wrong dot products");
  const memory = exportOfType(module, WebAssembly.Memory);
  const table = exportOfType(module, WebAssembly.Table);
  if (!memory || !table) return report(false, 'the core module exports no memory or function table');
  try {
    const response = await fetch(new URL('../gen/qp_relaxed.wasm', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    if (!relaxedKernelSelfCheck(bytes)) return report(false, "this engine's relaxed dot product failed the self-check");
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    const first = table.grow(2);  // the old length: the two new slots (needs -sALLOW_TABLE_GROWTH)
    table.set(first, instance.exports.gemm_q8_relaxed_micro_3x8);
    table.set(first + 1, instance.exports.gemm_q8_relaxed_micro_1x8);
    module.installRelaxedKernels(first, first + 1);
  } catch (e) {
    return report(false, `the relaxed kernel could not be linked (${e?.message ?? e})`);
  }
  return report(true, null);
}
