// Float formats: fp16, bf16, FP8 E4M3FN / E5M2, FP4 E2M1 (core/half.h, core/minifloat.h,
// quant/float_formats.h).
// 1. Reference vectors, bit for bit: the shared float_formats sample (numpy / torch) and
//    tests/vectors/float_formats (numpy fp16, torch bf16, onnxruntime FP8 Cast and Q/DQ; made by
//    scripts/oracle/gen_float_vectors.py).
// 2. Checks against the spec written out here independently of the encoder: every code decoded by
//    the formula (-1)^s 2^(e-bias) (1 + m/2^M) (subnormals 2^(1-bias) m/2^M), every value encoded
//    back to its code, every midpoint between neighbours going to the even code, one float32 ulp
//    either side going to the nearer code, and the overflow thresholds of both modes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/half.h"
#include "core/minifloat.h"
#include "io/dtype.h"
#include "io/npy.h"
#include "oracle.h"
#include "quant/float_formats.h"

using qp::FloatFormat;

namespace {

uint32_t bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}
float from_bits(uint32_t b) {
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}
bool same_bits_or_both_nan(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || bits(a) == bits(b);
}
std::string hex(uint32_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

// ---- the formats as the specs describe them ---------------------------------------------------

struct Spec {
  FloatFormat format;
  int total_bits, exp_bits, mant_bits, bias;
  // Special encodings: IEEE (exponent all ones = inf/NaN), E4M3FN (only S.1111.111 is NaN), none.
  enum Kind { IEEE, FN, NONE } kind;
};

const Spec kSpecs[] = {
    {FloatFormat::F16, 16, 5, 10, 15, Spec::IEEE},
    {FloatFormat::BF16, 16, 8, 7, 127, Spec::IEEE},
    {FloatFormat::FP8_E4M3, 8, 4, 3, 7, Spec::FN},
    {FloatFormat::FP8_E5M2, 8, 5, 2, 15, Spec::IEEE},
    {FloatFormat::FP4_E2M1, 4, 2, 1, 1, Spec::NONE},
};

// The value of a code from the spec formula, in double (exact for every format here).
double spec_value(const Spec& s, uint32_t code) {
  const uint32_t sign = code >> (s.total_bits - 1) & 1u;
  const uint32_t e = code >> s.mant_bits & ((1u << s.exp_bits) - 1u);
  const uint32_t m = code & ((1u << s.mant_bits) - 1u);
  const uint32_t e_max = (1u << s.exp_bits) - 1u;
  const uint32_t m_max = (1u << s.mant_bits) - 1u;
  double v;
  if (s.kind == Spec::IEEE && e == e_max) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (s.kind == Spec::FN && e == e_max && m == m_max) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (e == 0) {
    v = std::ldexp(static_cast<double>(m) / (1u << s.mant_bits), 1 - s.bias);
  } else {
    v = std::ldexp(1.0 + static_cast<double>(m) / (1u << s.mant_bits), static_cast<int>(e) - s.bias);
  }
  return sign ? -v : v;
}

// Largest finite magnitude code: the last code before the specials start.
uint32_t max_code(const Spec& s) {
  const uint32_t e_max = (1u << s.exp_bits) - 1u;
  switch (s.kind) {
    case Spec::IEEE: return (e_max << s.mant_bits) - 1u;
    case Spec::FN: return (1u << (s.total_bits - 1)) - 2u;
    case Spec::NONE: return (1u << (s.total_bits - 1)) - 1u;
  }
  return 0;
}

uint32_t sign_bit(const Spec& s) { return 1u << (s.total_bits - 1); }

// What overflow gives, by the mode (a magnitude code; the caller adds the sign).
uint32_t overflow_code(const Spec& s, bool saturate) {
  if (saturate || s.kind == Spec::NONE) return max_code(s);
  if (s.kind == Spec::FN) return max_code(s) + 1;        // the NaN code
  return ((1u << s.exp_bits) - 1u) << s.mant_bits;        // inf
}

bool is_nan_code(const Spec& s, uint32_t code) { return std::isnan(spec_value(s, code)); }

uint32_t encode(const Spec& s, float x, bool saturate) {
  return qp::encode_float_format(s.format, saturate, x);
}

const char* name(const Spec& s) { return qp::float_format_name(s.format); }

// ---- raw npy access (oracle.h converts to float32, which would round uint32 bit patterns) ------

std::vector<uint32_t> read_uint_npy(const std::string& path) {
  const std::vector<uint8_t> bytes = qp::test::read_file(path);
  const qp::io::NpyHeader h = qp::io::parse_npy_header(bytes.data(), bytes.size());
  REQUIRE_MESSAGE(!h.big_endian, path);
  REQUIRE_MESSAGE((h.kind == 'u' || h.kind == 'f'), path << ": " << h.descr);
  const size_t n = static_cast<size_t>(h.data_bytes / h.item_size);
  std::vector<uint32_t> out(n);
  const uint8_t* p = bytes.data() + h.data_offset;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int k = h.item_size - 1; k >= 0; --k) v = v << 8 | p[i * h.item_size + k];
    out[i] = v;
  }
  return out;
}

std::vector<uint32_t> case_tensor(const qp::test::Case& c, const char* group, const std::string& tensor) {
  return read_uint_npy(c.dir + "/" + c.json.at(group).at(tensor).at("file").get<std::string>());
}

// fp16/bf16 bit patterns compared as such, except that a NaN matches any NaN of the format.
size_t count_code_mismatches(const Spec& s, const std::vector<uint32_t>& got, const std::vector<uint32_t>& want,
                             std::string* first) {
  if (got.size() != want.size()) {
    *first = "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
    return std::max(got.size(), want.size());
  }
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want[i] || (is_nan_code(s, got[i]) && is_nan_code(s, want[i]))) continue;
    if (bad++ == 0) *first = "index " + std::to_string(i) + ": got " + hex(got[i]) + " want " + hex(want[i]);
  }
  return bad;
}

size_t count_f32_mismatches(const std::vector<float>& got, const std::vector<uint32_t>& want, std::string* first,
                            const std::vector<uint32_t>* inputs = nullptr) {
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (same_bits_or_both_nan(got[i], from_bits(want[i]))) continue;
    if (bad++ == 0) {
      *first = "index " + std::to_string(i) + ": got " + hex(bits(got[i])) + " want " + hex(want[i]);
      if (inputs) *first += " (input " + hex((*inputs)[i]) + ")";
    }
  }
  return bad;
}

bool has_flag(const qp::test::Case& c, const char* flag) {
  if (!c.json.contains("flags")) return false;
  for (const auto& f : c.json["flags"])
    if (f == flag) return true;
  return false;
}

struct Counts {
  int f32_to_f16 = 0, f16_to_f32 = 0, f32_to_bf16 = 0, bf16_to_f32 = 0, fp8_cast = 0, fp8_qdq = 0, band = 0;
};

void run_family(const std::string& dir, Counts& n) {
  const nlohmann::json m = qp::test::load_manifest(dir);
  for (const auto& cj : m.at("cases")) {
    const qp::test::Case c{dir, cj};
    const std::string kind = cj.at("tags").at(0).get<std::string>();
    CAPTURE(c.id());
    std::string first;
    if (kind == "f32_to_f16" || kind == "f32_to_bf16") {
      const bool to_half = kind == "f32_to_f16";
      const std::vector<uint32_t> x = case_tensor(c, "inputs", "x_f32_bits");
      const std::vector<uint32_t> want = case_tensor(c, "expected", to_half ? "f16_bits" : "bf16_bits");
      std::vector<float> xf(x.size());
      for (size_t i = 0; i < x.size(); ++i) xf[i] = from_bits(x[i]);
      std::vector<uint16_t> got16(x.size());
      if (to_half) qp::encode_f16(xf.data(), xf.size(), false, got16.data());
      else qp::encode_bf16(xf.data(), xf.size(), false, got16.data());
      const std::vector<uint32_t> got(got16.begin(), got16.end());
      const size_t bad = count_code_mismatches(kSpecs[to_half ? 0 : 1], got, want, &first);
      CHECK_MESSAGE(bad == 0, c.id() << ": " << bad << " mismatches, first at " << first);
      ++(to_half ? n.f32_to_f16 : n.f32_to_bf16);
    } else if (kind == "f16_to_f32" || kind == "bf16_to_f32") {
      const bool from_half = kind == "f16_to_f32";
      const std::vector<uint32_t> h = case_tensor(c, "inputs", from_half ? "f16_bits" : "bf16_bits");
      const std::vector<uint32_t> want = case_tensor(c, "expected", "f32_bits");
      std::vector<uint16_t> h16(h.begin(), h.end());
      std::vector<float> got(h.size());
      if (from_half) qp::decode_f16(h16.data(), h16.size(), got.data());
      else qp::decode_bf16(h16.data(), h16.size(), got.data());
      const size_t bad = count_f32_mismatches(got, want, &first);
      CHECK_MESSAGE(bad == 0, c.id() << ": " << bad << " mismatches, first at " << first);
      ++(from_half ? n.f16_to_f32 : n.bf16_to_f32);
    } else if (kind == "fp8_cast" || kind == "fp8_qdq") {
      const FloatFormat f = qp::parse_float_format(cj.at("params").at("format").get<std::string>());
      const bool saturate = cj.at("params").at("saturate").get<bool>();
      const std::vector<uint32_t> x = case_tensor(c, "inputs", "x_f32_bits");
      const std::vector<uint32_t> want = case_tensor(c, "expected", "y_f32_bits");
      std::vector<float> xf(x.size()), got(x.size());
      for (size_t i = 0; i < x.size(); ++i) xf[i] = from_bits(x[i]);
      float scale = 1.0f;
      if (kind == "fp8_qdq") scale = c.input("scale").values.at(0);  // float32 tensor: exact
      qp::fake_quantize_float(f, saturate, xf.data(), xf.size(), scale, got.data());
      if (c.tolerance("y_f32_bits") == "informational") {
        // onnxruntime's band (non-saturating overflow; see the case description): there we follow
        // the OCP/IEEE rule (E4M3FN -> NaN, E5M2 -> ±inf) and ORT does not (±448, NaN).
        REQUIRE(has_flag(c, "producer_bug"));
        for (size_t i = 0; i < x.size(); ++i) {
          CAPTURE(hex(x[i]));
          if (f == FloatFormat::FP8_E4M3) {
            CHECK(std::isnan(got[i]));
            CHECK(std::fabs(from_bits(want[i])) == 448.0f);
          } else {
            CHECK(std::isinf(got[i]));
            CHECK(std::signbit(got[i]) == std::signbit(xf[i]));
            CHECK(std::isnan(from_bits(want[i])));
          }
        }
        ++n.band;
        continue;
      }
      const size_t bad = count_f32_mismatches(got, want, &first, &x);
      CHECK_MESSAGE(bad == 0, c.id() << ": " << bad << " mismatches, first at " << first);
      ++(kind == "fp8_cast" ? n.fp8_cast : n.fp8_qdq);
    } else {
      FAIL("unknown case kind " << kind);
    }
  }
}

// A seeded integer PRNG written out (splitmix64), so every platform draws the same numbers.
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

}  // namespace

TEST_CASE("float_formats: shared oracle sample (numpy fp16, torch bf16), bit for bit") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "float_formats");
  REQUIRE_MESSAGE(!dir.empty(), "missing " << qp::test::oracle_root() << "/float_formats");
  Counts n;
  run_family(dir, n);
  CHECK(n.f32_to_f16 >= 1);
  CHECK(n.f16_to_f32 >= 1);
  CHECK(n.f32_to_bf16 >= 1);
}

TEST_CASE("float_formats: generated vectors (numpy fp16, torch bf16, onnxruntime FP8), bit for bit") {
  const std::string dir = qp::test::family_dir(qp::test::vectors_root(), "float_formats");
  REQUIRE_MESSAGE(!dir.empty(), "missing " << qp::test::vectors_root() << "/float_formats");
  Counts n;
  run_family(dir, n);
  CHECK(n.f32_to_f16 == 2);
  CHECK(n.f32_to_bf16 == 3);
  CHECK(n.bf16_to_f32 == 1);
  CHECK(n.fp8_cast == 4);
  CHECK(n.fp8_qdq == 12);
  CHECK(n.band == 2);
}

TEST_CASE("float_formats: every code decodes to the spec formula's value") {
  for (const Spec& s : kSpecs) {
    CAPTURE(name(s));
    const uint32_t codes = 1u << s.total_bits;
    for (uint32_t c = 0; c < codes; ++c) {
      const double want = spec_value(s, c);
      const float got = qp::decode_float_format(s.format, c);
      CAPTURE(hex(c));
      if (std::isnan(want)) {
        CHECK(std::isnan(got));
      } else {
        CHECK(static_cast<double>(got) == want);
        CHECK(std::signbit(got) == std::signbit(want));  // -0 stays -0
      }
    }
  }
  // The FP4 E2M1 values as the OCP MX spec lists them.
  const float fp4[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  for (uint32_t c = 0; c < 8; ++c) {
    CHECK(qp::fp4_e2m1_bits_to_float(static_cast<uint8_t>(c)) == fp4[c]);
    CHECK(qp::fp4_e2m1_bits_to_float(static_cast<uint8_t>(c | 8)) == -fp4[c]);
  }
  CHECK(std::signbit(qp::fp4_e2m1_bits_to_float(0x8)));
  // Decoders from io/dtype.h are the core's.
  for (uint32_t c = 0; c < 256; ++c) {
    CHECK(same_bits_or_both_nan(qp::io::fp8_e4m3fn_to_float(static_cast<uint8_t>(c)),
                                qp::fp8_e4m3fn_bits_to_float(static_cast<uint8_t>(c))));
    CHECK(same_bits_or_both_nan(qp::io::fp8_e5m2_to_float(static_cast<uint8_t>(c)),
                                qp::fp8_e5m2_bits_to_float(static_cast<uint8_t>(c))));
  }
}

TEST_CASE("float_formats: every finite value encodes back to its own code, in both modes") {
  for (const Spec& s : kSpecs) {
    CAPTURE(name(s));
    for (uint32_t mag = 0; mag <= max_code(s); ++mag) {
      for (const uint32_t sign : {0u, sign_bit(s)}) {
        const uint32_t c = sign | mag;
        const float v = static_cast<float>(spec_value(s, c));
        CAPTURE(hex(c));
        CHECK(encode(s, v, false) == c);
        CHECK(encode(s, v, true) == c);
      }
    }
  }
}

TEST_CASE("float_formats: midpoints go to the even code, one float32 ulp off goes to the nearer one") {
  for (const Spec& s : kSpecs) {
    CAPTURE(name(s));
    const uint32_t top = max_code(s);
    size_t ties = 0;
    for (uint32_t lo = 0; lo <= top; ++lo) {
      // Neighbours lo and lo + 1; past the maximum, lo + 1 is where an unbounded exponent would put
      // the next value: 2^(emax+1) for IEEE formats, (1 + 7/8) 2^8 = 480 for E4M3FN, 8 for E2M1.
      const double v_lo = spec_value(s, lo);
      const double v_hi = lo < top ? spec_value(s, lo + 1)
                                   : std::ldexp(1.0 + static_cast<double>((lo + 1) & ((1u << s.mant_bits) - 1u)) /
                                                          (1u << s.mant_bits),
                                                static_cast<int>((lo + 1) >> s.mant_bits) - s.bias);
      const double mid_d = (v_lo + v_hi) / 2;
      const float mid = static_cast<float>(mid_d);
      REQUIRE(static_cast<double>(mid) == mid_d);  // every midpoint here is a float32
      const uint32_t even = (lo & 1u) ? lo + 1 : lo;
      for (const bool sat : {false, true}) {
        const auto expect = [&](uint32_t mag) { return mag > top ? overflow_code(s, sat) : mag; };
        for (const uint32_t sign : {0u, sign_bit(s)}) {
          const float sgn = sign ? -1.0f : 1.0f;
          CAPTURE(mid_d);
          CAPTURE(sat);
          CHECK(encode(s, sgn * mid, sat) == (sign | expect(even)));
          CHECK(encode(s, sgn * std::nextafter(mid, 0.0f), sat) == (sign | lo));
          CHECK(encode(s, sgn * std::nextafter(mid, INFINITY), sat) == (sign | expect(lo + 1)));
        }
      }
      ++ties;
    }
    CHECK(ties == top + 1);
  }
}

TEST_CASE("float_formats: overflow thresholds, saturating and not") {
  // fp16: 65519.996 is the float32 just below the tie 65520.
  CHECK(qp::float_to_half_bits(65519.996f) == 0x7bff);
  CHECK(qp::float_to_half_bits(65520.0f) == 0x7c00);
  CHECK(qp::float_to_half_bits(-65520.0f) == 0xfc00);
  CHECK(qp::float_to_half_bits(65520.0f, true) == 0x7bff);
  CHECK(qp::float_to_half_bits(INFINITY, true) == 0x7bff);
  CHECK(qp::float_to_half_bits(-INFINITY, true) == 0xfbff);
  CHECK(qp::float_to_half_bits(3.0e38f) == 0x7c00);
  // bf16: the tie above 0x7F7F (its mantissa is odd) goes to inf.
  CHECK(qp::float_to_bf16_bits(from_bits(0x7f7f7fff)) == 0x7f7f);
  CHECK(qp::float_to_bf16_bits(from_bits(0x7f7f8000)) == 0x7f80);
  CHECK(qp::float_to_bf16_bits(from_bits(0x7f7f8000), true) == 0x7f7f);
  CHECK(qp::float_to_bf16_bits(from_bits(0xff7fffff)) == 0xff80);
  // E4M3FN: 464 is the tie between 448 (mantissa 110, even) and 480 (past the max).
  CHECK(qp::float_to_fp8_e4m3fn_bits(464.0f, false) == 0x7e);
  CHECK(qp::float_to_fp8_e4m3fn_bits(std::nextafter(464.0f, INFINITY), false) == 0x7f);
  CHECK(qp::float_to_fp8_e4m3fn_bits(std::nextafter(464.0f, INFINITY), true) == 0x7e);
  CHECK(qp::float_to_fp8_e4m3fn_bits(480.0f, false) == 0x7f);  // onnxruntime 1.30 gives 448 here
  CHECK(qp::float_to_fp8_e4m3fn_bits(-1e6f, false) == 0xff);
  CHECK(qp::float_to_fp8_e4m3fn_bits(-1e6f, true) == 0xfe);
  CHECK(qp::float_to_fp8_e4m3fn_bits(INFINITY, false) == 0x7f);
  CHECK(qp::float_to_fp8_e4m3fn_bits(-INFINITY, true) == 0xfe);
  CHECK(qp::float_to_fp8_e4m3fn_bits(3.4028235e38f, true) == 0x7e);
  // E5M2: 61440 is the tie between 57344 (mantissa 11, odd) and 2^16 (inf's code, even).
  CHECK(qp::float_to_fp8_e5m2_bits(std::nextafter(61440.0f, 0.0f), false) == 0x7b);
  CHECK(qp::float_to_fp8_e5m2_bits(61440.0f, false) == 0x7c);  // onnxruntime 1.30 gives NaN here
  CHECK(qp::float_to_fp8_e5m2_bits(61440.0f, true) == 0x7b);
  CHECK(qp::float_to_fp8_e5m2_bits(-INFINITY, false) == 0xfc);
  CHECK(qp::float_to_fp8_e5m2_bits(-INFINITY, true) == 0xfb);
  // E2M1 always saturates: 5 is the tie between 4 (even) and 6; everything above 5 gives 6.
  CHECK(qp::float_to_fp4_e2m1_bits(5.0f) == 0x6);
  CHECK(qp::float_to_fp4_e2m1_bits(std::nextafter(5.0f, INFINITY)) == 0x7);
  CHECK(qp::float_to_fp4_e2m1_bits(1e30f) == 0x7);
  CHECK(qp::float_to_fp4_e2m1_bits(-7.0f) == 0xf);
  CHECK(qp::float_to_fp4_e2m1_bits(INFINITY) == 0x7);
  CHECK(qp::float_to_fp4_e2m1_bits(-INFINITY) == 0xf);
  // float_format_max agrees with the codes.
  CHECK(qp::float_format_max(FloatFormat::F16) == 65504.0f);
  CHECK(qp::float_format_max(FloatFormat::BF16) == from_bits(0x7f7f0000));
  CHECK(qp::float_format_max(FloatFormat::FP8_E4M3) == 448.0f);
  CHECK(qp::float_format_max(FloatFormat::FP8_E5M2) == 57344.0f);
  CHECK(qp::float_format_max(FloatFormat::FP4_E2M1) == 6.0f);
}

TEST_CASE("float_formats: signed zeros and gradual underflow") {
  for (const Spec& s : kSpecs) {
    CAPTURE(name(s));
    for (const bool sat : {false, true}) {
      CHECK(encode(s, 0.0f, sat) == 0u);
      CHECK(encode(s, -0.0f, sat) == sign_bit(s));
      CHECK(encode(s, -1e-45f, sat) == sign_bit(s));  // float32's smallest subnormal underflows to -0
      CHECK(encode(s, 1e-45f, sat) == 0u);
      // Half the smallest subnormal is a tie with zero (even) and goes to zero; just above it rounds up.
      const float half_min = static_cast<float>(spec_value(s, 1) / 2);
      CHECK(encode(s, half_min, sat) == 0u);
      CHECK(encode(s, -half_min, sat) == sign_bit(s));
      CHECK(encode(s, std::nextafter(half_min, 1.0f), sat) == 1u);
    }
  }
}

TEST_CASE("float_formats: NaN in, NaN out (quiet, sign kept); FP4 maps NaN to +6") {
  const float qnan = from_bits(0x7fc00000), neg_nan = from_bits(0xffc00000), snan = from_bits(0x7f800001);
  for (const bool sat : {false, true}) {
    // A signalling NaN whose payload sits in the low bits must not become an infinity.
    CHECK(qp::float_to_half_bits(snan, sat) == 0x7e00);
    CHECK(qp::float_to_half_bits(neg_nan, sat) == 0xfe00);
    CHECK(qp::float_to_bf16_bits(snan, sat) == 0x7fc0);
    CHECK(qp::float_to_bf16_bits(neg_nan, sat) == 0xffc0);
    CHECK(qp::float_to_fp8_e4m3fn_bits(qnan, sat) == 0x7f);
    CHECK(qp::float_to_fp8_e4m3fn_bits(neg_nan, sat) == 0xff);
    CHECK(qp::float_to_fp8_e5m2_bits(snan, sat) == 0x7e);
    CHECK(qp::float_to_fp8_e5m2_bits(neg_nan, sat) == 0xfe);
  }
  CHECK(qp::float_to_fp4_e2m1_bits(qnan) == 0x7);
  CHECK(qp::float_to_fp4_e2m1_bits(neg_nan) == 0x7);
  CHECK(std::isnan(qp::fp8_e4m3fn_bits_to_float(0xff)));
  CHECK(std::signbit(qp::fp8_e4m3fn_bits_to_float(0xff)));
}

TEST_CASE("float_formats: bf16 encoder equals round-to-nearest-even on the low 16 bits (random bits)") {
  // The textbook bf16 rounding, (b + 0x7FFF + lsb) >> 16, checked on 200k seeded random finite patterns.
  SplitMix64 rng{42};
  for (int i = 0; i < 200000; ++i) {
    const uint32_t b = static_cast<uint32_t>(rng.next());
    if ((b & 0x7f800000u) == 0x7f800000u) continue;
    const uint32_t want = (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
    REQUIRE_MESSAGE(qp::float_to_bf16_bits(from_bits(b)) == want, hex(b));
  }
}

TEST_CASE("float_formats: names, bits, errors") {
  CHECK(qp::parse_float_format("fp16") == FloatFormat::F16);
  CHECK(qp::parse_float_format("bf16") == FloatFormat::BF16);
  CHECK(qp::parse_float_format("fp8-e4m3") == FloatFormat::FP8_E4M3);
  CHECK(qp::parse_float_format("fp8-e5m2") == FloatFormat::FP8_E5M2);
  CHECK(qp::parse_float_format("fp4") == FloatFormat::FP4_E2M1);
  for (FloatFormat f : qp::all_float_formats()) CHECK(qp::parse_float_format(qp::float_format_name(f)) == f);
  try {
    qp::parse_float_format("fp8");
    FAIL("no error");
  } catch (const qp::Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("'fp8'") != std::string::npos);
    CHECK(msg.find("fp16, bf16, fp8-e4m3, fp8-e5m2, fp4") != std::string::npos);
  }
  CHECK(qp::float_format_bits(FloatFormat::F16) == 16);
  CHECK(qp::float_format_bits(FloatFormat::BF16) == 16);
  CHECK(qp::float_format_bits(FloatFormat::FP8_E4M3) == 8);
  CHECK(qp::float_format_bits(FloatFormat::FP8_E5M2) == 8);
  CHECK(qp::float_format_bits(FloatFormat::FP4_E2M1) == 4);

  const float x[3] = {1.0f, -2.0f, 3.0f};
  float out[3];
  for (const float bad : {0.0f, -1.0f, NAN, INFINITY}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(qp::fake_quantize_float(FloatFormat::FP8_E4M3, true, x, 3, bad, out), qp::Error);
  }
  qp::fake_quantize_float(FloatFormat::FP8_E4M3, true, x, 0, 1.0f, out);  // n == 0: nothing to do
}

TEST_CASE("float_formats: value grids of the 8- and 4-bit formats") {
  const std::vector<float> e4m3 = qp::float_format_grid(FloatFormat::FP8_E4M3);
  const std::vector<float> e5m2 = qp::float_format_grid(FloatFormat::FP8_E5M2);
  const std::vector<float> fp4 = qp::float_format_grid(FloatFormat::FP4_E2M1);
  CHECK(e4m3.size() == 253);  // 126 positive, 126 negative, one zero
  CHECK(e5m2.size() == 247);  // 123 + 123 + 1
  CHECK(fp4.size() == 15);
  for (const auto* g : {&e4m3, &e5m2, &fp4}) {
    for (size_t i = 1; i < g->size(); ++i) CHECK((*g)[i - 1] < (*g)[i]);
    CHECK(g->front() == -g->back());
  }
  CHECK(e4m3.back() == 448.0f);
  CHECK(e5m2.back() == 57344.0f);
  CHECK(fp4.back() == 6.0f);
  CHECK_THROWS_AS(qp::float_format_grid(FloatFormat::F16), qp::Error);
}

TEST_CASE("float_formats: fake_quantize_float = decode(encode(x / scale)) * scale") {
  SplitMix64 rng{7};
  std::vector<float> x(4096);
  for (float& v : x) {
    // Values spread over many binades: mantissa and exponent drawn separately.
    const uint64_t r = rng.next();
    const float m = 1.0f + static_cast<float>(r & 0xffffff) / 16777216.0f;
    const int e = static_cast<int>((r >> 24) % 40) - 20;
    v = ((r >> 40) & 1 ? -1.0f : 1.0f) * std::ldexp(m, e);
  }
  for (const Spec& s : kSpecs) {
    for (const bool sat : {false, true}) {
      for (const float scale : {1.0f, 0.3f, 1.0f / 448.0f, 0.0078125f, 3.0e-3f}) {
        CAPTURE(name(s));
        CAPTURE(sat);
        CAPTURE(scale);
        std::vector<float> got(x.size());
        qp::fake_quantize_float(s.format, sat, x.data(), x.size(), scale, got.data());
        for (size_t i = 0; i < x.size(); ++i) {
          const float q = x[i] / scale;
          const float want = qp::decode_float_format(s.format, encode(s, q, sat)) * scale;
          REQUIRE_MESSAGE(same_bits_or_both_nan(got[i], want), hex(bits(x[i])));
        }
        // In place gives the same.
        std::vector<float> inplace = x;
        qp::fake_quantize_float(s.format, sat, inplace.data(), inplace.size(), scale, inplace.data());
        for (size_t i = 0; i < x.size(); ++i) REQUIRE(same_bits_or_both_nan(inplace[i], got[i]));
      }
    }
  }
}

TEST_CASE("float_formats: per-tensor FP8 absmax scale and an MX-style FP4 block scale") {
  std::vector<float> x = {0.013f, -0.75f, 2.5f, -3.1f, 0.2f, 1.0f, -0.0001f, 0.6f};
  float amax = 0.0f;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  // FP8 E4M3 with scale amax/448: the largest element lands on ±448·scale (or its neighbour, as
  // amax / fl(amax/448) is within an ulp of 448), nothing saturates, and every output is a grid value × scale.
  const float s8 = amax / 448.0f;
  std::vector<float> out(x.size());
  qp::fake_quantize_float(FloatFormat::FP8_E4M3, false, x.data(), x.size(), s8, out.data());
  const std::vector<float> grid8 = qp::float_format_grid(FloatFormat::FP8_E4M3);
  for (size_t i = 0; i < x.size(); ++i) {
    CHECK(std::isfinite(out[i]));
    const float q = qp::decode_float_format(FloatFormat::FP8_E4M3, encode(kSpecs[2], x[i] / s8, false));
    CHECK(std::find(grid8.begin(), grid8.end(), q) != grid8.end());
  }
  CHECK(std::fabs(out[3]) == 448.0f * s8);
  // FP4 with an MX block scale 2^(floor(log2 amax) - 2) (2 = the exponent of FP4's largest binade):
  // a power of two, so x / scale is exact and the result is the FP4 rounding of x·2^-k, times 2^k.
  const int k = static_cast<int>(std::floor(std::log2(amax))) - 2;
  const float s4 = std::ldexp(1.0f, k);
  qp::fake_quantize_float(FloatFormat::FP4_E2M1, true, x.data(), x.size(), s4, out.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = std::ldexp(qp::fp4_e2m1_bits_to_float(qp::float_to_fp4_e2m1_bits(std::ldexp(x[i], -k))), k);
    CHECK(out[i] == want);
  }
  // amax = 3.1 -> k = -1, 3.1 / 0.5 = 6.2 saturates to 6 -> 3.0.
  CHECK(out[3] == -3.0f);
}
