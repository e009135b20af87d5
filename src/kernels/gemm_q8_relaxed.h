// 8-bit integer matrix multiplication on WebAssembly relaxed SIMD: the same contract as gemm_q8.h
// (ONNX MatMulInteger, int32 result modulo 2^32, bit-exact with gemm_q8_ref), computed with
// relaxed SIMD's 8-bit dot products (i16x8.relaxed_dot_i8x16_i7x16_s + i32x4.extadd_pairwise_i16x8_s,
// the same sums as i32x4.relaxed_dot_i8x16_i7x16_add_s but compiled better by V8): 16 multiply-adds
// per dot on 8-bit codes. Derivation and measurements: docs/numerics.md §12.5.
//
// Operand ranges. The dot multiplies a signed i8 lane by an "i7" lane and is only
// deterministic when the i7 lane is in [0, 127] (V8 on x86 without VNNI lowers it to pmaddubsw,
// which reads that operand as unsigned and saturates pair sums to int16). So:
//   activations (first operand):  a' = a − oa  with oa = 128 for uint8 A, 0 for int8 A → [−128, 127]
//   weights (second operand):     v  = w − ob[j], ob[j] = the smallest code of column j → [0, span_j]
// Pair sums a'·v + a'·v ≤ 2·128·127 < 2^15: no saturation. Then, per column,
//   span ≤ 127  (e.g. weights in [−64, 63]: int7 or narrower, int4, reduce_range): one dot per
//               16 multiply-adds, v stored as is;
//   span ≤ 254  (e.g. symmetric narrow-range int8, [−127, 127]): v = h + l with h = v >> 1 and
//               l = v − h, both in [0, 127]; two dots into the SAME accumulator (a'·h + a'·l = a'·v),
//               laid out as if K were doubled (every 16-k block of A is used twice). Opt-in: the
//               SIMD128 path measured faster (see pack_q8_relaxed_weights);
//   span = 255  (both ends of the 8-bit range used): the packed SIMD128 path (gemm_q8), since no
//               split into two [0, 127] parts exists. The packing function decides from the actual
//               weight values and records the choice in `mode`.
// Engines whose dot reads the second operand as an exact unsigned byte (V8 on x86 with AVX-VNNI:
// one vpdpbusd, no int16 saturation; relaxed.mjs checks this on saturating inputs before it says so)
// take every span ≤ 255 in one dot, v stored as an unsigned byte: mode kFullRange, run by the "u8"
// kernel set (RelaxedKernels::unsigned_weights).
//
// Zero points and offsets fold out of the kernel exactly like gemm_q8.h (mod 2^32): with
// α = oa − za and β_j = ob[j] − zb[j],
//   Σ_k (a − za)(w − zb[j]) = S_ij + β_j·R_i + α·(V_j + K·β_j)
// where S_ij = Σ_k a'·v (the micro-kernel), R_i = Σ_k a' (A packing), V_j = Σ_k v (weight packing).
//
// Layout ("c16": 16 consecutive k per vector, one byte per code). K is padded with zeros to a
// multiple of kRelaxedDepth = 16; a "block" is one 16-k vector; with two dots a 16-k slice of K is two
// blocks (h then l), so the micro-kernels see `blocks` = dots · k_padded / 16.
//   Weights: panels of kPanelCols = 8 columns; inside a panel, column pairs (j, j+1) one after the
//   other; inside a pair, for each block: the 16 bytes of column j, then the 16 of column j+1.
//   Rows of A, packed per call in groups of kRelaxedMicroRows = 3: for each block, the 16 bytes of row 0,
//   then rows 1, 2 (48 bytes); a group of 1 row is the row's blocks one after the other.
// Padding k (and padding rows and columns) are zero on both sides and add nothing.
//
// Micro-kernels: gemm_q8_relaxed.wat (assembled by wat2wasm, linked at load time by web/lib/relaxed.mjs
// through the function table) and, for native builds and the tests, a portable emulation of the same
// contract that reproduces the x86 pmaddubsw lowering (so an operand outside [0, 127] would give the
// same wrong sums as the browser, and the tests would see it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gemm_q8.h"

namespace qp::kernels {

constexpr size_t kRelaxedDepth = 16;
// Rows per group of the i7 set's 3x8 micro-kernel and of the u8 set's 4x8. Their own constants, not
// gemm_q8's kMicroRows: the WAT kernels are written for these whatever the SIMD128 kernel uses.
constexpr size_t kRelaxedMicroRows = 3;
constexpr size_t kRelaxedU8MicroRows = 4;

enum class RelaxedWeightMode {
  kOneDot,    // every column spans ≤ 127 codes
  kTwoDots,   // every column spans ≤ 254 codes
  kSimd128,   // some column spans all 256 codes: gemm_q8 on `fallback`
  kFullRange, // one dot, v in [0, 255] as unsigned bytes: only for the u8 kernel set
};
// "one-dot", "two-dots", "simd128", "full-range"
const char* relaxed_weight_mode_name(RelaxedWeightMode mode);

// Weights packed once for gemm_q8_relaxed. Built by pack_q8_relaxed_weights; immutable afterwards.
struct PackedQ8RelaxedWeights {
  size_t k = 0, n = 0;
  size_t k_padded = 0;              // k rounded up to a multiple of kRelaxedDepth
  RelaxedWeightMode mode = RelaxedWeightMode::kOneDot;
  size_t dots = 1;                  // dots per 16-k slice: 1 or 2 (unused in kSimd128)
  std::vector<int8_t> panels;       // ceil(n/8) panels of blocks()·16·8 bytes, values in [0, 127]
                                    // (kFullRange: the bytes are unsigned, [0, 255])
  std::vector<int32_t> zero_points;  // zb[j]
  std::vector<int32_t> offsets;      // ob[j]: the weight codes are stored as w − ob[j]
  // β_j = ob[j] − zb[j] and V_j + K·β_j (mod 2^32), the two per-column terms of the fold.
  std::vector<int32_t> beta, column_fold;
  PackedQ8Weights fallback;          // kSimd128 only
  size_t blocks() const { return dots * k_padded / kRelaxedDepth; }
  const int8_t* panel(size_t p) const { return panels.data() + p * blocks() * kRelaxedDepth * kPanelCols; }
};

// Packs B (element (k, j) at b.data[k*stride_k + j*stride_n]; zero_points: n values or one), like
// pack_q8_weights, choosing the mode from the codes. With unsigned_weights (for the u8 kernel set)
// every matrix is kFullRange. Otherwise spans of 128..254 take two dots only when allow_two_dots is
// set: by default they go to kSimd128, which measured faster in Chromium on x86 without VNNI
// (docs/numerics.md §12.5). Throws qp::Error on bad sizes or zero points.
PackedQ8RelaxedWeights pack_q8_relaxed_weights(Q8Matrix b, size_t k, size_t n, size_t stride_k, size_t stride_n,
                                               const std::vector<int32_t>& zero_points,
                                               bool allow_two_dots = false, bool unsigned_weights = false);

// The micro-kernel contract: out[r*8 + j] = Σ over `blocks` 16-byte blocks of the group's rows
// (`rows` interleaved, or 1 contiguous) against the panel's 8 columns, Σ a'·v as int32 (mod 2^32),
// with every panel byte in [0, 127] (the u8 set: [0, 255] read as unsigned). uint32_t and pointers:
// (i32, i32, i32, i32) -> () in wasm32, the signature the WAT functions export.
using RelaxedMicroKernel = void (*)(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out);
struct RelaxedKernels {
  RelaxedMicroKernel micro_group = nullptr;  // `rows` × 8
  RelaxedMicroKernel micro_1x8 = nullptr;
  size_t rows = kRelaxedMicroRows;           // kRelaxedMicroRows (i7 set) or kRelaxedU8MicroRows (u8 set)
  bool unsigned_weights = false;             // the u8 set: panel bytes are exact unsigned bytes
};

// Packing of one group of A rows (rows ≤ group_rows; group_rows = the kernel set's rows, or 1 for
// the 1x8 kernel) in the layout above: a' = a − oa, each 16-k slice written `dots` times, missing
// rows and padding k zero; the sums R_i = Σ_k a' (mod 2^32, group_rows of them) to row_sums. The
// SIMD128 tier handles one dot and defers two dots to the portable one; with lda ≥ k_padded it reads
// a row's last, partial slice with one load (bytes [k, k_padded) of every row must be readable;
// their values are ignored).
void gemm_q8_relaxed_pack_rows_generic(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t group_rows,
                                       size_t k, size_t k_padded, size_t dots, int8_t* dst, uint32_t* row_sums);
#if defined(__wasm_simd128__)
void gemm_q8_relaxed_pack_rows__wasmsimd(const uint8_t* a, size_t lda, bool is_signed, size_t rows,
                                         size_t group_rows, size_t k, size_t k_padded, size_t dots, int8_t* dst,
                                         uint32_t* row_sums);
#endif

// The portable emulations (any build), lane by lane: the i7 set as V8 lowers it on x86 without VNNI
// (pmaddubsw + pmaddwd + paddd) and the u8 set as with VNNI (vpdpbusd: exact signed × unsigned).
RelaxedKernels relaxed_kernels_emulated();
RelaxedKernels relaxed_kernels_emulated_u8();

// The kernels of this runtime: installed by the JS loader when the engine runs relaxed SIMD (never
// in Node, whose relaxed dot is wrong, nor natively). Returns nullptr when none is installed.
void install_relaxed_kernels(RelaxedKernels kernels);
void uninstall_relaxed_kernels();  // for tests that install the emulations
const RelaxedKernels* installed_relaxed_kernels();

// C = (A − za)·(B − zb) with the given micro-kernels (kSimd128 weights run gemm_q8 instead).
void gemm_q8_relaxed(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8RelaxedWeights& b,
                     int32_t* c, size_t ldc, const RelaxedKernels& kernels);
// Same with the installed kernels; qp::Error when none is installed.
void gemm_q8_relaxed(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8RelaxedWeights& b,
                     int32_t* c, size_t ldc);

}  // namespace qp::kernels
