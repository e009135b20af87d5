// IDX reading (plain and gzip), Dataset from IDX, and the malformed inputs each reader must refuse
// with its message. The files are built here byte by byte from the format description; the gzip
// members use stored DEFLATE blocks so no compressor is needed, and the CRC-32 is a bitwise
// implementation independent of the reader's table.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/idx.h"
#include "nn/dataset_idx.h"
#include "oracle.h"
#include "test_inflater.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void put_le32(Bytes& b, uint32_t v) {
  for (int s = 0; s <= 24; s += 8) b.push_back(static_cast<uint8_t>(v >> s));
}

Bytes make_idx(uint8_t type, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

uint32_t crc32_bitwise(const Bytes& d) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t byte : d) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// One gzip member holding `content` in a single stored block; `flags` adds FNAME (0x08) etc.
Bytes make_gzip(const Bytes& content, uint8_t flags = 0) {
  Bytes b = {0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3};
  if (flags & 0x04) { b.push_back(3); b.push_back(0); b.insert(b.end(), {'a', 'b', 'c'}); }
  if (flags & 0x08) { for (char c : std::string("x.idx")) b.push_back(c); b.push_back(0); }
  const size_t len = content.size();  // tests stay below 65535 bytes
  b.push_back(1);  // BFINAL, BTYPE 00 (stored)
  b.push_back(len & 0xff); b.push_back(len >> 8);
  b.push_back(~len & 0xff); b.push_back((~len >> 8) & 0xff);
  b.insert(b.end(), content.begin(), content.end());
  put_le32(b, crc32_bitwise(content));
  put_le32(b, static_cast<uint32_t>(len));
  return b;
}

std::string idx_error(const Bytes& b) {
  try {
    qp::io::read_idx(b, qp::test::inflater());
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("idx: ubyte 3-d array, plain and gzip") {
  Bytes data;
  for (int i = 0; i < 2 * 3 * 4; ++i) data.push_back(static_cast<uint8_t>(i * 10));
  const Bytes plain = make_idx(0x08, {2, 3, 4}, data);
  for (const Bytes& file : {plain, make_gzip(plain), make_gzip(plain, 0x08 | 0x04)}) {
    const qp::io::IdxArray a = qp::io::read_idx(file, qp::test::inflater());
    CHECK(a.type == qp::io::IdxType::UInt8);
    CHECK(a.dims == std::vector<size_t>{2, 3, 4});
    REQUIRE(a.count == 24);
    CHECK(a.value(0) == 0);
    CHECK(a.value(23) == 230);
  }
}

TEST_CASE("idx: big-endian element types") {
  const qp::io::IdxArray s = qp::io::parse_idx(make_idx(0x0B, {2}, {0xFF, 0xFE, 0x01, 0x00}).data(), 12);
  CHECK(s.value(0) == -2);
  CHECK(s.value(1) == 256);
  const Bytes f = make_idx(0x0D, {1}, {0x3F, 0xC0, 0x00, 0x00});  // 1.5f
  CHECK(qp::io::parse_idx(f.data(), f.size()).value(0) == 1.5);
  const Bytes i = make_idx(0x0C, {1}, {0xFF, 0xFF, 0xFF, 0xF9});
  CHECK(qp::io::parse_idx(i.data(), i.size()).value(0) == -7);
  const Bytes b = make_idx(0x09, {1}, {0x80});
  CHECK(qp::io::parse_idx(b.data(), b.size()).value(0) == -128);
}

TEST_CASE("idx: malformed files give their message") {
  CHECK(idx_error({0, 0}).find("shorter than the 4-byte magic") != std::string::npos);
  CHECK(idx_error({1, 0, 8, 1, 0, 0, 0, 0}).find("not an IDX file") != std::string::npos);
  CHECK(idx_error(make_idx(0x07, {1}, {0})).find("unknown element type code 0x07") != std::string::npos);
  CHECK(idx_error(make_idx(0x08, {}, {})).find("no dimensions") != std::string::npos);
  CHECK(idx_error({0, 0, 8, 3, 0, 0, 0, 1}).find("truncated header") != std::string::npos);
  CHECK(idx_error(make_idx(0x08, {2, 2}, {1, 2, 3})).find("more than the 3 data bytes present (truncated") != std::string::npos);
  CHECK(idx_error(make_idx(0x08, {2, 2}, {1, 2, 3, 4, 5})).find("holds 5 data bytes") != std::string::npos);
  // Dimensions whose product overflows 64 bits must not wrap around to a small count.
  CHECK(idx_error(make_idx(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {1})).find("more than the 1 data bytes") !=
        std::string::npos);
  CHECK(idx_error(make_idx(0x0E, {0x40000000, 4}, {})).find("more than the 0 data bytes") != std::string::npos);
  // An empty array is well formed.
  CHECK(qp::io::read_idx(make_idx(0x08, {0, 0xFFFFFFFF}, {}), nullptr).count == 0);

  const Bytes good = make_gzip(make_idx(0x08, {4}, {1, 2, 3, 4}));
  CHECK(idx_error(Bytes(good.begin(), good.begin() + 12)).find("too short for a gzip member") != std::string::npos);
  Bytes truncated(good.begin(), good.end() - 6);
  CHECK(!idx_error(truncated).empty());
  Bytes bad_crc = good;
  bad_crc[bad_crc.size() - 8] ^= 1;
  CHECK(idx_error(bad_crc).find("CRC-32 mismatch") != std::string::npos);
  Bytes bad_len = good;
  bad_len[bad_len.size() - 4] ^= 1;
  CHECK(idx_error(bad_len).find("the trailer says") != std::string::npos);
  Bytes bad_method = good;
  bad_method[2] = 7;
  CHECK(idx_error(bad_method).find("compression method 7") != std::string::npos);
  Bytes bad_name = make_gzip(make_idx(0x08, {1}, {1}), 0x08);
  bad_name.resize(10 + 6 + 8);  // the header and its name, then only 8 bytes, no terminator in range
  for (size_t i = 10; i < bad_name.size(); ++i) bad_name[i] = 'x';
  CHECK(idx_error(bad_name).find("unterminated file name") != std::string::npos);
  Bytes corrupt = good;
  corrupt[10] = 0x07;  // BTYPE 11: reserved, an invalid deflate block
  CHECK(!idx_error(corrupt).empty());
}

TEST_CASE("idx: dataset_from_idx scales pixels and checks the pair") {
  Bytes pix;
  for (int i = 0; i < 3 * 2 * 2; ++i) pix.push_back(static_cast<uint8_t>(i * 20));
  const Bytes images = make_idx(0x08, {3, 2, 2}, pix);
  const Bytes labels = make_gzip(make_idx(0x08, {3}, {7, 0, 9}));
  const qp::nn::Dataset d = qp::nn::dataset_from_idx(images, labels, qp::test::inflater());
  CHECK(d.count == 3);
  CHECK(d.sample == qp::nn::ActShape{1, 2, 2});
  REQUIRE(d.inputs.size() == 12);
  CHECK(d.inputs[0] == 0.0f);
  CHECK(d.inputs[11] == 220.0f / 255.0f);
  CHECK(d.labels == std::vector<int32_t>{7, 0, 9});

  auto error = [](const Bytes& im, const Bytes& lb) -> std::string {
    try {
      qp::nn::dataset_from_idx(im, lb, qp::test::inflater());
    } catch (const qp::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error(images, make_idx(0x08, {2}, {1, 2})).find("2 labels for 3 images") != std::string::npos);
  CHECK(error(make_idx(0x08, {12}, pix), labels).find("expected a 3-d ubyte") != std::string::npos);
  CHECK(error(images, make_idx(0x08, {3, 1}, {1, 2, 3})).find("expected a 1-d integer") != std::string::npos);
  CHECK(error(images, make_idx(0x09, {3}, {1, 0xFF, 3})).find("negative") != std::string::npos);
  CHECK(error(Bytes{1, 2, 3, 4, 5}, labels).rfind("images: IDX:", 0) == 0);
}

TEST_CASE("idx: the Debian Fashion-MNIST test set") {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const qp::nn::Dataset d = qp::nn::dataset_from_idx(qp::test::read_file(dir + "t10k-images-idx3-ubyte.gz"),
                                                     qp::test::read_file(dir + "t10k-labels-idx1-ubyte.gz"),
                                                     qp::test::inflater());
  CHECK(d.count == 10000);
  CHECK(d.sample == qp::nn::ActShape{1, 28, 28});
  // Fashion-MNIST's test set is balanced: 1000 images of each of the 10 classes.
  std::vector<int> per_class(10, 0);
  for (int32_t l : d.labels) {
    REQUIRE(l >= 0);
    REQUIRE(l < 10);
    ++per_class[l];
  }
  CHECK(per_class == std::vector<int>(10, 1000));
  CHECK(d.labels[0] == 9);  // the first test image is an ankle boot
}
