// Load-time linking of the relaxed-SIMD GEMM micro-kernels (src/kernels/gemm_q8_relaxed.wat,
// assembled into gen/qp_relaxed.wasm) into a loaded core module. DOM-free; used by loadQplay.
//
// The kernel module imports the core's own WebAssembly.Memory (no copies) and its two exports are
// appended to the core's function table, so the C++ driver calls them wasm to wasm through a
// function pointer (call_indirect), with no JS in the hot path. Installed only when
//   - the engine validates a relaxed-SIMD instruction (RELAXED_PROBE), and
//   - the runtime is not Node: Node 20's relaxed dot gives wrong sums (shared/notes/toolchain.md).
// Everywhere else the kind 'int8-relaxed' reports a clear error and 'int8' (SIMD128) is used.

// (func (param v128) (result v128) local.get 0 ×3, i32x4.relaxed_dot_i8x16_i7x16_add_s): the
// instruction the kernels need (opcode 0xfd 0x113), assembled by wat2wasm --enable-relaxed-simd.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 0, 32, 0, 253, 147, 2, 11]);

/** True when this engine can compile relaxed SIMD's int8 dot product. */
export function engineHasRelaxedSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

function runtimeIsNode() {
  return typeof process === 'object' && typeof process.versions === 'object' && typeof process.versions.node === 'string';
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
  if (runtimeIsNode()) return report(false, "not used in Node: its relaxed SIMD dot product gives wrong sums");
  const memory = exportOfType(module, WebAssembly.Memory);
  const table = exportOfType(module, WebAssembly.Table);
  if (!memory || !table) return report(false, 'the core module exports no memory or function table');
  let instance;
  try {
    const response = await fetch(new URL('../gen/qp_relaxed.wasm', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    ({ instance } = await WebAssembly.instantiate(await response.arrayBuffer(), { env: { memory } }));
  } catch (e) {
    return report(false, `the relaxed kernel module did not load (${e?.message ?? e})`);
  }
  const first = table.grow(2);  // the old length: the two new slots
  table.set(first, instance.exports.gemm_q8_relaxed_micro_4x8);
  table.set(first + 1, instance.exports.gemm_q8_relaxed_micro_1x8);
  module.installRelaxedKernels(first, first + 1);
  return report(true, null);
}
