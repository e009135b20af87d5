// .npy reading (versions 1-3, endianness, Fortran order, every numeric dtype) and writing,
// from bytes built by hand following numpy's format spec.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/npy.h"
#include "oracle.h"

namespace {

std::vector<uint8_t> make_npy(int version, const std::string& dict, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(version), 0};
  const size_t len = dict.size();
  if (version == 1) { out.push_back(len & 0xff); out.push_back(len >> 8); }
  else for (int b = 0; b < 4; ++b) out.push_back((len >> (8 * b)) & 0xff);
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<float> read(const std::vector<uint8_t>& file) {
  const auto h = qp::io::parse_npy_header(file.data(), file.size());
  return qp::io::npy_to_float32(file.data(), file.size(), h);
}

std::string error_of(const std::vector<uint8_t>& file) {
  try { read(file); } catch (const qp::Error& e) { return e.what(); }
  return "";
}

}  // namespace

TEST_CASE("npy v1 little-endian float32, C order") {
  const auto f = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                          bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6.5f}));
  const auto h = qp::io::parse_npy_header(f.data(), f.size());
  CHECK(h.shape == qp::Shape{2, 3});
  CHECK(read(f) == std::vector<float>{1, 2, 3, 4, 5, 6.5f});
}

TEST_CASE("npy v2 big-endian float64 and v3 int16 in Fortran order") {
  // 1.5 and -2.0 as big-endian doubles.
  const std::vector<uint8_t> be = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(read(make_npy(2, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be)) ==
        std::vector<float>{1.5f, -2.0f});
  // Fortran order 2x3: the file holds column by column a00 a10 a01 a11 a02 a12.
  const auto f = make_npy(3, "{\"descr\": \"<i2\", \"fortran_order\": True, \"shape\": (2, 3)}",
                          bytes_of(std::vector<int16_t>{1, 4, 2, 5, 3, -6}));
  CHECK(read(f) == std::vector<float>{1, 2, 3, 4, 5, -6});
}

TEST_CASE("npy integer, bool and half dtypes") {
  CHECK(read(make_npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", {0, 128, 255})) ==
        std::vector<float>{0, 128, 255});
  CHECK(read(make_npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }", {0, 128, 255})) ==
        std::vector<float>{0, -128, -1});
  CHECK(read(make_npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", {0, 1})) ==
        std::vector<float>{0, 1});
  CHECK(read(make_npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                      bytes_of(std::vector<int64_t>{-3, 1LL << 40}))) == std::vector<float>{-3, 1099511627776.0f});
  CHECK(read(make_npy(1, "{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }",
                      bytes_of(std::vector<uint32_t>{4000000000u}))) == std::vector<float>{4e9f});
  // fp16: 1.0, -2.0, the smallest subnormal 2^-24, +inf.
  const auto h = read(make_npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                               bytes_of(std::vector<uint16_t>{0x3c00, 0xc000, 0x0001, 0x7c00})));
  CHECK(h[0] == 1.0f);
  CHECK(h[1] == -2.0f);
  CHECK(h[2] == 5.9604644775390625e-08f);
  CHECK(std::isinf(h[3]));
  // A 0-d array holds one value.
  CHECK(read(make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                      bytes_of(std::vector<float>{7}))) == std::vector<float>{7});
}

TEST_CASE("malformed npy files are refused with a message naming the problem") {
  CHECK(error_of({1, 2, 3}).find("shorter than the 10-byte preamble") != std::string::npos);
  CHECK(error_of(std::vector<uint8_t>(20, 'x')).find("magic") != std::string::npos);
  auto truncated = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                            bytes_of(std::vector<float>{1, 2, 3}));
  CHECK(error_of(truncated).find("truncated data") != std::string::npos);
  CHECK(error_of(make_npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0, 0, 0, 0, 0}))
            .find("pickle") != std::string::npos);
  CHECK(error_of(make_npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", {}))
            .find("complex") != std::string::npos);
  CHECK(error_of(make_npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", {}))
            .find("structured") != std::string::npos);
  CHECK(error_of(make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", {}))
            .find("dimension") != std::string::npos);
  CHECK(error_of(make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", {}))
            .find("too") != std::string::npos);
  auto bad_version = make_npy(1, "{}", {});
  bad_version[6] = 9;
  CHECK(error_of(bad_version).find("unknown format version 9") != std::string::npos);
  // A header length pointing past the end of the file.
  auto long_header = make_npy(1, "{'descr': '<f4'", {});
  long_header[8] = 0xff;
  CHECK(error_of(long_header).find("truncated header") != std::string::npos);
}

TEST_CASE("encode_npy writes a v1 file that reads back, data 64-byte aligned") {
  const std::vector<int8_t> q = {-128, -1, 0, 1, 127, 5};
  const auto file = qp::io::encode_npy("|i1", {2, 3}, q.data(), q.size());
  const auto h = qp::io::parse_npy_header(file.data(), file.size());
  CHECK(h.data_offset % 64 == 0);
  CHECK(h.descr == "|i1");
  CHECK(h.shape == qp::Shape{2, 3});
  CHECK(read(file) == std::vector<float>{-128, -1, 0, 1, 127, 5});
  const float one = 1.5f;
  const auto scalar = qp::io::encode_npy("<f4", {}, &one, 4);
  CHECK(read(scalar) == std::vector<float>{1.5f});
  const auto vec = qp::io::encode_npy("<f4", {1}, &one, 4);
  CHECK(std::string(vec.begin() + 10, vec.begin() + 128).find("'shape': (1,)") != std::string::npos);
  CHECK_THROWS_AS(qp::io::encode_npy("<f4", {3}, &one, 4), qp::Error);
}

TEST_CASE("npy files written by numpy itself read back to numpy's values") {
  const std::string dir = qp::test::vectors_root() + "/npy_numpy";
  const std::vector<uint8_t> m = qp::test::read_file(dir + "/manifest.json");
  const auto manifest = nlohmann::json::parse(m.begin(), m.end());
  size_t checked = 0;
  for (const auto& entry : manifest.at("files")) {
    const std::string file = entry.at("file").get<std::string>();
    INFO(file);
    const std::vector<uint8_t> bytes = qp::test::read_file(dir + "/" + file);
    const auto h = qp::io::parse_npy_header(bytes.data(), bytes.size());
    CHECK(h.descr == entry.at("descr").get<std::string>());
    CHECK(h.shape == entry.at("shape").get<qp::Shape>());
    CHECK(h.fortran_order == entry.at("fortran_order").get<bool>());
    const std::vector<float> got = qp::io::npy_to_float32(bytes.data(), bytes.size(), h);
    const std::vector<float> want = entry.at("values_c_order").get<std::vector<float>>();
    CHECK(got == want);
    ++checked;
  }
  CHECK(checked >= 15);
}
