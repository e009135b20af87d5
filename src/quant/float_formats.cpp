#include "quant/float_formats.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "core/minifloat.h"
#include "kernels/float_round_trip.h"

namespace qp {

namespace {

struct FormatInfo {
  FloatFormat format;
  const char* name;
  int bits;
};

const FormatInfo kFormats[] = {
    {FloatFormat::F16, "fp16", 16},
    {FloatFormat::BF16, "bf16", 16},
    {FloatFormat::FP8_E4M3, "fp8-e4m3", 8},
    {FloatFormat::FP8_E5M2, "fp8-e5m2", 8},
    {FloatFormat::FP4_E2M1, "fp4", 4},
};

const FormatInfo& info(FloatFormat f) {
  for (const FormatInfo& i : kFormats)
    if (i.format == f) return i;
  throw Error("unknown float format");  // unreachable for valid enum values
}

}  // namespace

FloatFormat parse_float_format(const std::string& name) {
  for (const FormatInfo& i : kFormats)
    if (name == i.name) return i.format;
  std::string valid;
  for (const FormatInfo& i : kFormats) valid += std::string(valid.empty() ? "" : ", ") + i.name;
  throw Error("unknown float format '" + name + "' (expected one of " + valid + ")");
}

const char* float_format_name(FloatFormat f) { return info(f).name; }

const std::vector<FloatFormat>& all_float_formats() {
  static const std::vector<FloatFormat> all = {FloatFormat::F16, FloatFormat::BF16,
                                               FloatFormat::FP8_E4M3, FloatFormat::FP8_E5M2,
                                               FloatFormat::FP4_E2M1};
  return all;
}

int float_format_bits(FloatFormat f) { return info(f).bits; }

float float_format_max(FloatFormat f) {
  switch (f) {
    case FloatFormat::F16: return half_bits_to_float(0x7bff);
    case FloatFormat::BF16: return bf16_bits_to_float(0x7f7f);
    case FloatFormat::FP8_E4M3: return fp8_e4m3fn_bits_to_float(0x7e);
    case FloatFormat::FP8_E5M2: return fp8_e5m2_bits_to_float(0x7b);
    case FloatFormat::FP4_E2M1: return fp4_e2m1_bits_to_float(0x7);
  }
  throw Error("unknown float format");
}

uint32_t encode_float_format(FloatFormat f, bool saturate, float x) {
  switch (f) {
    case FloatFormat::F16: return float_to_half_bits(x, saturate);
    case FloatFormat::BF16: return float_to_bf16_bits(x, saturate);
    case FloatFormat::FP8_E4M3: return float_to_fp8_e4m3fn_bits(x, saturate);
    case FloatFormat::FP8_E5M2: return float_to_fp8_e5m2_bits(x, saturate);
    case FloatFormat::FP4_E2M1: return float_to_fp4_e2m1_bits(x);
  }
  throw Error("unknown float format");
}

float decode_float_format(FloatFormat f, uint32_t code) {
  switch (f) {
    case FloatFormat::F16: return half_bits_to_float(static_cast<uint16_t>(code));
    case FloatFormat::BF16: return bf16_bits_to_float(static_cast<uint16_t>(code));
    case FloatFormat::FP8_E4M3: return fp8_e4m3fn_bits_to_float(static_cast<uint8_t>(code));
    case FloatFormat::FP8_E5M2: return fp8_e5m2_bits_to_float(static_cast<uint8_t>(code));
    case FloatFormat::FP4_E2M1: return fp4_e2m1_bits_to_float(static_cast<uint8_t>(code & 0xfu));
  }
  throw Error("unknown float format");
}

std::vector<float> float_format_grid(FloatFormat f) {
  const int bits = float_format_bits(f);
  if (bits > 8)
    throw Error(std::string("the value grid of ") + float_format_name(f) +
                " has too many points to list; only 8- and 4-bit formats have one");
  // Codes with the sign bit clear hold the non-negative values in increasing order (finite ones
  // first); mirror them for the negatives.
  const uint32_t half = 1u << (bits - 1);
  std::vector<float> pos;
  for (uint32_t c = 0; c < half; ++c) {
    const float v = decode_float_format(f, c);
    if (std::isfinite(v)) pos.push_back(v);
  }
  std::vector<float> grid;
  grid.reserve(2 * pos.size() - 1);
  for (size_t i = pos.size(); i-- > 1;) grid.push_back(-pos[i]);
  grid.insert(grid.end(), pos.begin(), pos.end());
  return grid;
}

namespace {

template <class Encode, class Decode>
void fake_quantize_loop(const float* x, size_t n, float scale, float* out, Encode enc, Decode dec) {
  for (size_t i = 0; i < n; ++i) out[i] = dec(enc(x[i] / scale)) * scale;
}

void check_scale(FloatFormat f, float scale) {
  if (!(std::isfinite(scale) && scale > 0.0f))
    throw Error(std::string(float_format_name(f)) + " needs a finite scale > 0, got " +
                std::to_string(scale));
}

uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// The fused round trip's constants (kernels/float_round_trip.h) for format f. The thresholds follow
// from the format's mantissa width and smallest normal exponent; the overflow and NaN results are
// the reference's own (decode of the overflow code, of the NaN code).
kernels::FloatRoundTrip round_trip_params(FloatFormat f, bool saturate) {
  int mant = 0, emin = 0;
  switch (f) {
    case FloatFormat::F16: mant = 10, emin = -14; break;
    case FloatFormat::BF16: mant = 7, emin = -126; break;
    case FloatFormat::FP8_E4M3: mant = 3, emin = -6; break;
    case FloatFormat::FP8_E5M2: mant = 2, emin = -14; break;
    case FloatFormat::FP4_E2M1: mant = 1, emin = 0; break;
  }
  kernels::FloatRoundTrip p;
  p.shift = static_cast<uint32_t>(23 - mant);
  p.min_normal_bits = static_cast<uint32_t>(emin + 127) << 23;
  p.subnormal_magic = std::ldexp(1.0f, emin - mant + 23);
  p.max_bits = bits_of(float_format_max(f));
  p.overflow_bits = bits_of(decode_float_format(f, encode_float_format(f, saturate, INFINITY)));
  const uint32_t nan_code = encode_float_format(f, saturate, NAN);
  p.nan_or = bits_of(decode_float_format(f, nan_code)) & 0x7fffffffu;
  if (f == FloatFormat::F16 || f == FloatFormat::BF16) {
    // Sign and the payload's top mantissa bits kept, quiet bit set (core/half.h).
    p.nan_keep = ~((1u << p.shift) - 1u);
    p.nan_or = 0x00400000u;
  } else if (f == FloatFormat::FP4_E2M1) {
    p.nan_keep = 0;  // NaN -> +6 whatever its sign (core/minifloat.h)
    p.nan_or = bits_of(decode_float_format(f, nan_code));
  } else {
    p.nan_keep = 0x80000000u;  // the format's one quiet NaN with the input's sign
  }
  return p;
}

}  // namespace

void fake_quantize_float_ref(FloatFormat f, bool saturate, const float* x, size_t n, float scale,
                             float* out) {
  check_scale(f, scale);
  // One loop per format, so the per-element work has no format switch in it.
  switch (f) {
    case FloatFormat::F16:
      return fake_quantize_loop(x, n, scale, out, [saturate](float v) { return float_to_half_bits(v, saturate); },
                                half_bits_to_float);
    case FloatFormat::BF16:
      return fake_quantize_loop(x, n, scale, out, [saturate](float v) { return float_to_bf16_bits(v, saturate); },
                                bf16_bits_to_float);
    case FloatFormat::FP8_E4M3:
      return fake_quantize_loop(x, n, scale, out,
                                [saturate](float v) { return float_to_fp8_e4m3fn_bits(v, saturate); },
                                fp8_e4m3fn_bits_to_float);
    case FloatFormat::FP8_E5M2:
      return fake_quantize_loop(x, n, scale, out,
                                [saturate](float v) { return float_to_fp8_e5m2_bits(v, saturate); },
                                fp8_e5m2_bits_to_float);
    case FloatFormat::FP4_E2M1:
      return fake_quantize_loop(x, n, scale, out, float_to_fp4_e2m1_bits, fp4_e2m1_bits_to_float);
  }
  throw Error("unknown float format");
}

void fake_quantize_float(FloatFormat f, bool saturate, const float* x, size_t n, float scale,
                         float* out) {
  check_scale(f, scale);
  // Built once (thread-safe static): per-group callers (FP4 g32) make millions of calls.
  static const std::vector<kernels::FloatRoundTrip> params = [] {
    std::vector<kernels::FloatRoundTrip> p;
    for (FloatFormat g : all_float_formats())  // the enum in declaration order
      for (bool sat : {false, true}) p.push_back(round_trip_params(g, sat));
    return p;
  }();
  kernels::float_round_trip(params[2 * static_cast<size_t>(f) + (saturate ? 1 : 0)], x, n, scale, out);
}

}  // namespace qp
