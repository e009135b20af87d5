// IEEE 754 binary16 <-> binary32 conversions (round to nearest even, subnormals, inf, NaN).
#pragma once
#include <cstdint>

namespace qp {

float half_bits_to_float(uint16_t h);

}  // namespace qp
