// Load-time linking of the relaxed-SIMD GEMM micro-kernels (src/kernels/gemm_q8_relaxed.wat,
// assembled into gen/qp_relaxed.wasm) into a loaded core module. DOM-free; used by loadQplay.
//
// The kernel module imports the core's own WebAssembly.Memory (no copies) and its two exports are
// appended to the core's function table, so the C++ driver calls them wasm to wasm through a
// function pointer (call_indirect), with no JS in the hot path. Installed only when
//   - the engine validates the relaxed-SIMD instruction the kernels use (RELAXED_PROBE),
//   - the runtime is not Node: Node 20's relaxed dot gives wrong sums (shared/notes/toolchain.md), and
//   - the kernel gives exact sums on a small known input (relaxedKernelSelfCheck); of the two kernel
//     sets, "u8" (full-range weights in one fused dot, where the engine's dot is exact for unsigned
//     bytes: VNNI) is preferred to "i7".
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

// The kernel sets of gen/qp_relaxed.wasm (src/kernels/gemm_q8_relaxed.h): "u8" reads panel bytes as
// exact unsigned bytes (V8 with AVX-VNNI: one vpdpbusd), so full-range weights take one dot; "i7"
// works on every engine for panel bytes in [0, 127]. The u8 set is chosen only when its self-check
// passes on inputs where any other lowering would saturate or read the byte as signed.
const KERNEL_SETS = {
  u8: { group: 'gemm_q8_relaxed_u8_micro_4x8', one: 'gemm_q8_relaxed_u8_micro_1x8', rows: 4, panelMax: 255 },
  i7: { group: 'gemm_q8_relaxed_micro_3x8', one: 'gemm_q8_relaxed_micro_1x8', rows: 3, panelMax: 127 },
};

/**
 * Runs both micro-kernels of one set of a private instance (own memory) on A codes covering the
 * whole i8 range, including runs of −128 and 127, against panel codes covering [0, panelMax],
 * including runs of panelMax (a saturating pmaddubsw lowering or a signed reading of bytes ≥ 128
 * fails here), and compares with sums computed in JS: false when this engine's relaxed dot does
 * not give exact sums for that set's operand range. Throws if the module does not compile.
 */
export function relaxedKernelSelfCheck(moduleBytes, setName = 'i7') {
  const set = KERNEL_SETS[setName];
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } });
  const blocks = 3, A = 0, PANEL = 1024, OUT = 4096;
  const bytes = new Int8Array(memory.buffer), unsigned = new Uint8Array(memory.buffer);
  const depth = 16 * blocks;
  // Row r's k-th code: block 0 all 127, block 1 all −128, block 2 spread over the whole range.
  const aCode = (r, p) => (p < 16 ? 127 : p < 32 ? -128 : ((p * 37 + r * 91 + 11) & 255) - 128);
  // Panel: per pair, for each block, 16 bytes of column 2·pair then 16 of 2·pair + 1.
  for (let i = 0; i < 8 * depth; i++) {
    const block = (i >> 5) % blocks;
    unsigned[PANEL + i] = block < 2 ? set.panelMax - ((i >> 4) & 1) : (i * 53 + 7) % (set.panelMax + 1);
  }
  const panelCode = (j, p) => unsigned[PANEL + (j >> 1) * 32 * blocks + (p >> 4) * 32 + (j & 1) * 16 + (p & 15)];
  const check = (rows, kernel, layout) => {
    for (let r = 0; r < rows; r++) for (let p = 0; p < depth; p++) bytes[A + layout(r, p)] = aCode(r, p);
    kernel(blocks, A, PANEL, OUT);
    const out = new Int32Array(memory.buffer, OUT, rows * 8);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < 8; j++) {
        let sum = 0;
        for (let p = 0; p < depth; p++) sum += aCode(r, p) * panelCode(j, p);
        if (out[r * 8 + j] !== sum) return false;
      }
    }
    return true;
  };
  return check(1, exports[set.one], (r, p) => p) &&
    check(set.rows, exports[set.group], (r, p) => (p >> 4) * 16 * set.rows + r * 16 + (p & 15));
}

function exportOfType(module, type) {
  return Object.values(module.asm ?? {}).find((v) => v instanceof type);
}

/**
 * Installs the relaxed kernels into `module` (a loaded SIMD core) when the runtime allows it: the u8
 * set where its self-check passes, else the i7 set (`only`: 'u8' or 'i7' to consider that set
 * alone, for tests). Never throws for a missing feature: returns { relaxedSimd, relaxedInstalled,
 * relaxedReason (why it is not installed, or null), relaxedKernels ('u8', 'i7' or null) }.
 */
/**
 * The relaxed kernels' bytes, or null where they cannot be used (no relaxed SIMD, Node): started
 * by loadQplay before the core module is created, so the two downloads overlap.
 */
export function fetchRelaxedKernels() {
  if (!engineHasRelaxedSimd() || runtimeIsNode()) return null;
  const bytes = fetch(new URL('../gen/qp_relaxed.wasm', import.meta.url)).then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.arrayBuffer();
  });
  bytes.catch(() => {});  // reported by installRelaxedKernels, which awaits it
  return bytes;
}

export async function installRelaxedKernels(module, only = undefined, pendingBytes = fetchRelaxedKernels()) {
  const relaxedSimd = engineHasRelaxedSimd();
  const report = (relaxedInstalled, relaxedReason, relaxedKernels = null) =>
    ({ relaxedSimd, relaxedInstalled, relaxedReason, relaxedKernels });
  if (!relaxedSimd) return report(false, 'this engine has no WebAssembly relaxed SIMD');
  if (runtimeIsNode()) return report(false, "not used in Node: Node 20's relaxed SIMD was seen giving wrong dot products");
  const memory = exportOfType(module, WebAssembly.Memory);
  const table = exportOfType(module, WebAssembly.Table);
  if (!memory || !table) return report(false, 'the core module exports no memory or function table');
  try {
    const bytes = await pendingBytes;
    const setName = ['u8', 'i7'].find((name) => (only === undefined || only === name) && relaxedKernelSelfCheck(bytes, name));
    if (!setName) return report(false, "this engine's relaxed dot product failed the self-check");
    const set = KERNEL_SETS[setName];
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    const first = table.grow(2);  // the old length: the two new slots (needs -sALLOW_TABLE_GROWTH)
    table.set(first, instance.exports[set.group]);
    table.set(first + 1, instance.exports[set.one]);
    module.installRelaxedKernels(first, first + 1, setName);
    return report(true, null, setName);
  } catch (e) {
    return report(false, `the relaxed kernel could not be linked (${e?.message ?? e})`);
  }
}
