// GGUF metadata values as readable text for Model::metadata: numbers in their shortest exact
// form, long strings cut, arrays summarised as `[32000 × string: "<unk>", "<s>", …]`.
#pragma once
#include <cstdint>
#include <string>

#include "io/gguf_cursor.h"

namespace qp::io {

struct GgufValue {
  std::string text;
  bool is_unsigned_integer = false;  // an integer type holding a value >= 0 (general.alignment)
  uint64_t unsigned_value = 0;
};

// Arrays may hold arrays; deeper nesting than this is refused (no real file needs more than 2).
constexpr int kGgufMaxArrayDepth = 8;

// Reads one value of GGUF value type `type` at the cursor (skipping, not keeping, whatever the
// summary leaves out). Throws qp::Error without the file name on an unknown type, a length that
// cannot fit in the rest of the file, or too deep nesting.
GgufValue read_gguf_value(GgufCursor& cursor, uint32_t type);

}  // namespace qp::io
