// Embind registrations only; conversions live in convert.cpp, logic in the core.
#include <emscripten/bind.h>

#include "bindings/convert.h"
#include "bindings/gemm_bindings.h"
#include "bindings/requant_bindings.h"
#include "bindings/model_bindings.h"
#include "bindings/relaxed_bindings.h"
#include "bindings/scheme_bindings.h"

EMSCRIPTEN_BINDINGS(qplay) {
  using namespace qp::bindings;
  emscripten::function("quantize", &quantize);
  emscripten::function("tensorStats", &tensor_stats);
  emscripten::function("histogram", &histogram);
  emscripten::function("readNpy", &read_npy);
  emscripten::function("encodeNpy", &encode_npy);
  emscripten::function("gridLevels", &grid_levels);
  emscripten::function("buildInfo", &build_info);
  emscripten::function("openModel", &open_model);
  emscripten::function("readModelTensor", &read_model_tensor);
  emscripten::function("analyzeModelTensor", &analyze_model_tensor);
  emscripten::function("compareModelTensor", &compare_model_tensor);
  emscripten::function("closeModel", &close_model);
  emscripten::function("encodeSafetensors", &encode_safetensors);
  emscripten::function("listSchemes", &list_schemes);
  emscripten::function("runScheme", &run_scheme_js);
  emscripten::function("defaultComparison", &default_comparison_js);
  emscripten::function("holdTensor", &hold_tensor);
  emscripten::function("compareHeld", &compare_held);
  emscripten::function("releaseTensor", &release_tensor);
  emscripten::function("paretoFront", &pareto_front);
  emscripten::function("prepareMatmul", &prepare_matmul);
  emscripten::function("runMatmul", &run_matmul);
  emscripten::function("matmulOutput", &matmul_output);
  emscripten::function("releaseMatmul", &release_matmul);
  emscripten::function("peakLoop", &peak_loop);
  emscripten::function("setThreads", &set_threads);
  emscripten::function("dynamicQuantize", &dynamic_quantize_js);
  emscripten::function("requantize", &requantize_js);
  emscripten::function("matmulVariant", &matmul_variant);
  emscripten::function("installRelaxedKernels", &install_relaxed_kernels);
  emscripten::function("relaxedKernelsInstalled", &relaxed_kernels_installed);
}
