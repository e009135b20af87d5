// GGUF reader: the fixtures of tests/fixtures/gguf (written by scripts/fixtures/gguf/make_gguf.py
// and cross-checked there with @huggingface/gguf) against their JSON sidecars, then hand-built
// files for each way a header can be wrong, and the malformed corpus in tests/malformed/gguf.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "io/model_open.h"
#include "oracle.h"

namespace {

using qp::io::ByteSource;
using qp::io::DType;
using qp::io::MemorySource;
using qp::io::Model;

std::string fixture_dir() { return std::string(QP_TESTS_DIR) + "/fixtures/gguf"; }

Model open_path(const std::string& path) {
  std::shared_ptr<ByteSource> src = qp::io::open_file_source(path);
  return qp::io::open_model({src});
}

// Little-endian GGUF bytes, field by field.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint8_t v) { b.push_back(v); return *this; }
  Bytes& u32(uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); return *this; }
  Bytes& u64(uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); return *this; }
  Bytes& str(const std::string& s) { u64(s.size()); b.insert(b.end(), s.begin(), s.end()); return *this; }
  Bytes& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    b.insert(b.end(), {'G', 'G', 'U', 'F'});
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  Bytes& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
  // Tensor info with ggml dims (ne[0] fastest).
  Bytes& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne) u64(n);
    return u32(type).u64(offset);
  }
  Bytes& pad_to(size_t alignment) { while (b.size() % alignment) b.push_back(0); return *this; }
  Bytes& zeros(size_t n) { b.insert(b.end(), n, 0); return *this; }
};

Model open_bytes(const Bytes& bytes, const std::string& name = "model.gguf") {
  return qp::io::open_gguf(std::make_shared<MemorySource>(name, bytes.b));
}

std::string open_error(const Bytes& bytes) {
  try {
    open_bytes(bytes);
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string& metadata_value(const Model& m, const std::string& key) {
  for (const auto& kv : m.metadata) if (kv.first == key) return kv.second;
  FAIL("no metadata key " << key);
  static const std::string none;
  return none;
}

// A source that claims `size` bytes but holds only its first `prefix.size()`; counts what is
// read, so a test can prove that listing never touches tensor data.
class SparseSource final : public ByteSource {
 public:
  SparseSource(std::vector<uint8_t> prefix, uint64_t size) : prefix_(std::move(prefix)), size_(size) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  uint64_t bytes_read = 0;
  int reads = 0;

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override {
    bytes_read += n;
    ++reads;
    for (size_t i = 0; i < n; ++i) dst[i] = offset + i < prefix_.size() ? prefix_[offset + i] : 0;
  }

 private:
  std::string name_ = "huge.gguf";
  std::vector<uint8_t> prefix_;
  uint64_t size_;
};

}  // namespace

TEST_CASE("gguf: fixtures list and read as their sidecars say") {
  for (const std::string name : {"v3_every_type.gguf", "v2_small.gguf", "v3_align64.gguf", "v3_no_tensors.gguf"}) {
    CAPTURE(name);
    const std::string path = fixture_dir() + "/" + name;
    const std::vector<uint8_t> sidecar = qp::test::read_file(path + ".expect.json");
    const nlohmann::json expect = nlohmann::json::parse(sidecar.begin(), sidecar.end());
    const Model m = open_path(path);
    CHECK(m.format == "gguf");
    CHECK(m.warnings.empty());

    const auto& kvs = expect.at("metadata");
    REQUIRE(m.metadata.size() == kvs.size());
    for (size_t i = 0; i < kvs.size(); ++i) {
      CHECK(m.metadata[i].first == kvs[i].at("key").get<std::string>());
      CHECK(m.metadata[i].second == kvs[i].at("text").get<std::string>());
    }

    const uint64_t data_offset = expect.at("data_offset").get<uint64_t>();
    const auto& tensors = expect.at("tensors");
    REQUIRE(m.tensors.size() == tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto& want = tensors[i];
      const qp::io::TensorEntry& t = m.tensors[i];
      CAPTURE(t.name);
      CHECK(t.name == want.at("name").get<std::string>());
      CHECK(t.stored_type == want.at("type_name").get<std::string>());
      CHECK(t.shape == want.at("shape").get<qp::Shape>());
      CHECK(t.offset == data_offset + want.at("offset").get<uint64_t>());
      if (want.at("values").is_null()) {
        CHECK(t.dtype == DType::Unsupported);
        CHECK(t.problem == "GGUF type " + t.stored_type + " is not supported yet");
        CHECK_THROWS_WITH_AS(qp::io::read_tensor_f32(m, i),
                             doctest::Contains((name + ": tensor '" + t.name + "': GGUF type").c_str()),
                             qp::Error);
        continue;
      }
      CHECK(t.problem.empty());
      CHECK(qp::io::check_entry(m, t).empty());
      const qp::io::TensorData data = qp::io::read_tensor_f32(m, i);
      CHECK(data.shape == t.shape);
      const std::vector<float> values = want.at("values").get<std::vector<float>>();
      std::string first;
      CHECK_MESSAGE(qp::test::count_bit_mismatches(data.values, values, &first) == 0, first);
    }
  }
}

TEST_CASE("gguf: metadata text of every value type") {
  const Model m = open_path(fixture_dir() + "/v3_every_type.gguf");
  CHECK(metadata_value(m, "test.u64") == "18446744073709551615");
  CHECK(metadata_value(m, "test.i64") == "-9223372036854775808");
  CHECK(metadata_value(m, "test.f32") == "0.15625");
  CHECK(metadata_value(m, "test.f32_third") == "0.33333334");
  CHECK(metadata_value(m, "test.f64") == "3.141592653589793");
  CHECK(metadata_value(m, "test.bool_false") == "false");
  CHECK(metadata_value(m, "test.array_i32") == "[3 \xc3\x97 i32: 1, -2, 3]");
  CHECK(metadata_value(m, "test.array_empty") == "[0 \xc3\x97 f32]");
  CHECK(metadata_value(m, "test.array_nested") ==
        "[3 \xc3\x97 array: [2 \xc3\x97 u8: 1, 2], [0 \xc3\x97 u8], [1 \xc3\x97 u8: 3]]");
  CHECK(metadata_value(m, "tokenizer.ggml.tokens").rfind(
            "[40 \xc3\x97 string: \"<unk>\", \"<s>\", \"</s>\", \"tok0\"", 0) == 0);
  CHECK(metadata_value(m, "test.string_escapes") == "tab\there \"quoted\"\nnext line");
  const std::string& long_string = metadata_value(m, "test.long_string");
  CHECK(long_string.size() < 1100);
  CHECK(long_string.find("(1500 bytes)") != std::string::npos);
}

TEST_CASE("gguf: listing a multi-GB file reads only its header") {
  // One 2^31-element F32 tensor (8 GiB of data) behind a 64-byte header; the source serves zeros.
  Bytes b;
  b.header(3, 1, 0).tensor("big", {1u << 16, 1u << 15}, 0, 0).pad_to(32);
  const uint64_t size = b.b.size() + (uint64_t{1} << 33);
  auto src = std::make_shared<SparseSource>(b.b, size);
  const Model m = qp::io::open_gguf(src);
  REQUIRE(m.tensors.size() == 1);
  CHECK(m.tensors[0].shape == qp::Shape{1 << 15, 1 << 16});
  CHECK(m.tensors[0].byte_size == (uint64_t{1} << 33));
  CHECK(m.tensors[0].offset == b.b.size());
  CHECK(src->bytes_read <= 64 * 1024);  // one buffer of the cursor, not 8 GiB
}

TEST_CASE("gguf: a 32000-token vocabulary is summarised and read in a few buffered reads") {
  Bytes b;
  b.header(3, 0, 2).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(32000);
  for (int i = 0; i < 32000; ++i) b.str(i == 0 ? "<unk>" : i == 1 ? "<s>" : "tok" + std::to_string(i));
  b.str("tokenizer.ggml.scores").u32(9).u32(6).u64(32000).zeros(4 * 32000);
  auto src = std::make_shared<SparseSource>(b.b, b.b.size());
  const Model m = qp::io::open_gguf(src);
  CHECK(metadata_value(m, "tokenizer.ggml.tokens") ==
        "[32000 \xc3\x97 string: \"<unk>\", \"<s>\", \"tok2\", \"tok3\", \"tok4\", \"tok5\", \"tok6\", "
        "\"tok7\", \xe2\x80\xa6]");
  CHECK(metadata_value(m, "tokenizer.ggml.scores") == "[32000 \xc3\x97 f32: 0, 0, 0, 0, 0, 0, 0, 0, \xe2\x80\xa6]");
  CHECK(src->reads <= static_cast<int>(b.b.size() / (64 * 1024)) + 2);
}

TEST_CASE("gguf: header errors name the file and say what is wrong") {
  CHECK(open_error(Bytes{}.header(1, 0, 0)).find("model.gguf: GGUF version 1 is not supported") == 0);
  CHECK(open_error(Bytes{}.header(99, 0, 0)).find("GGUF version 99 is not supported") != std::string::npos);
  CHECK(open_error(Bytes{}.header(0x03000000, 0, 0)).find("big-endian GGUF is not supported") != std::string::npos);
  Bytes bad_magic;
  bad_magic.b = {'G', 'G', 'U', 'X', 3, 0, 0, 0};
  CHECK(open_error(bad_magic).find("model.gguf: not a GGUF file (starts with 'GGUX'") == 0);
  CHECK(open_error(Bytes{}.header(3, 0, 1 << 20)).find("n_kv = 1048576") != std::string::npos);
  CHECK(open_error(Bytes{}.header(3, uint64_t{1} << 62, 0)).find("n_tensors = 4611686018427387904") !=
        std::string::npos);
  Bytes truncated;
  truncated.header(3, 0, 1).str("general.name").u32(8).u64(100).str("short");
  truncated.b.resize(truncated.b.size() - 8);
  CHECK(open_error(truncated).find("model.gguf: metadata key 'general.name': string length 100 is larger") == 0);
  Bytes cut_header;
  cut_header.header(3, 0, 0);
  cut_header.b.resize(12);
  CHECK(open_error(cut_header).find("model.gguf: file is truncated") == 0);
}

TEST_CASE("gguf: metadata errors name the key") {
  Bytes unknown;
  unknown.header(3, 0, 1).str("x.y").u32(13).u64(0);
  CHECK(open_error(unknown) == "model.gguf: metadata key 'x.y': unknown metadata value type 13");
  Bytes huge_string;
  huge_string.header(3, 0, 1).str("k").u32(8).u64(uint64_t{1} << 63).zeros(16);
  CHECK(open_error(huge_string).find("metadata key 'k': string length 9223372036854775808") != std::string::npos);
  Bytes huge_array;
  huge_array.header(3, 0, 1).str("a").u32(9).u32(4).u64(uint64_t{1} << 61).zeros(16);
  CHECK(open_error(huge_array).find("metadata key 'a': array of 2305843009213693952 u32 values cannot fit") !=
        std::string::npos);
  Bytes deep;
  deep.header(3, 0, 1).str("deep").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  CHECK(open_error(deep).find("metadata key 'deep': arrays are nested more than 8 levels deep") != std::string::npos);
  Bytes bad_bool;
  bad_bool.header(3, 0, 1).str("b").u32(7).u8(2);
  CHECK(open_error(bad_bool).find("bool value 2") != std::string::npos);
  CHECK(open_error(Bytes{}.header(3, 0, 1).kv_u32("general.alignment", 48)) ==
        "model.gguf: metadata key 'general.alignment': general.alignment = 48 is not a power of two");
  CHECK(open_error(Bytes{}.header(3, 0, 1).kv_u32("general.alignment", 0)).find("not a power of two") !=
        std::string::npos);
}

TEST_CASE("gguf: tensor info errors and per-tensor problems") {
  CHECK(open_error(Bytes{}.header(3, 1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0)) ==
        "model.gguf: tensor 't': n_dims 5 is more than ggml's maximum of 4");

  // Problems that leave the rest of the file usable: the good tensor still reads.
  Bytes b;
  b.header(3, 7, 0)
      .tensor("good", {4}, 0, 0)
      .tensor("negative", {uint64_t(-3)}, 0, 0)
      .tensor("overflow", {uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0)
      .tensor("misaligned", {4}, 0, 4)
      .tensor("beyond_eof", {1024}, 0, 32)
      .tensor("partial_block", {16}, 8, 0)
      .tensor("unknown_type", {4}, 77, 0)
      .pad_to(32);
  const float values[4] = {1.5f, -2.0f, 0.0f, 1e-3f};
  const uint8_t* p = reinterpret_cast<const uint8_t*>(values);
  b.b.insert(b.b.end(), p, p + 16);  // the host is little-endian on x86-64 and wasm
  b.zeros(16);
  const Model m = open_bytes(b);
  REQUIRE(m.tensors.size() == 7);
  CHECK(m.tensors[0].problem.empty());
  CHECK(qp::io::read_tensor_f32(m, 0).values == std::vector<float>(values, values + 4));
  CHECK(m.tensors[1].problem == "dimension ne[0] = -3 is negative");
  CHECK(m.tensors[2].problem == "element count of the dimensions overflows 64 bits");
  CHECK(m.tensors[3].problem == "offset 4 in the data section is not a multiple of the alignment 32");
  CHECK(m.tensors[4].problem.find("data at bytes ") == 0);
  CHECK(m.tensors[4].problem.find("is outside the file") != std::string::npos);
  CHECK(m.tensors[5].problem == "row length ne[0] = 16 is not a multiple of the Q8_0 block size 32");
  CHECK(m.tensors[6].problem == "unknown GGUF tensor type 77");
  CHECK(m.tensors[6].stored_type == "type 77");
  CHECK(m.tensors[6].dtype == DType::Unsupported);
  CHECK_THROWS_WITH_AS(qp::io::read_tensor_f32(m, 4),
                       doctest::Contains("model.gguf: tensor 'beyond_eof': data at bytes"), qp::Error);
}

TEST_CASE("gguf: removed and not-yet-supported ggml types keep their names") {
  Bytes b;
  b.header(3, 3, 0).tensor("k", {256}, 15, 0).tensor("iq", {256}, 23, 0).tensor("old", {32}, 4, 0).pad_to(32);
  const Model m = open_bytes(b);
  CHECK(m.tensors[0].stored_type == "Q8_K");
  CHECK(m.tensors[0].problem == "GGUF type Q8_K is not supported yet");
  CHECK(m.tensors[1].stored_type == "IQ4_XS");
  CHECK(m.tensors[2].stored_type == "Q4_2");
}

TEST_CASE("gguf: every file of the malformed corpus fails with its expected message") {
  // Mirrors scripts/fixtures/gguf/make_malformed.py; the lead's corpus test walks the folder.
  const char* cases[] = {
      "bad_magic", "version_1", "version_99", "big_endian", "truncated_header", "truncated_metadata",
      "string_length_huge", "n_kv_huge", "n_tensors_huge", "array_nested_deep", "array_length_huge",
      "unknown_value_type", "n_dims_too_large", "dims_product_overflow", "dim_negative", "bad_alignment",
      "tensor_offset_misaligned", "tensor_data_beyond_eof", "unknown_tensor_type", "partial_block",
  };
  for (const std::string c : cases) {
    CAPTURE(c);
    const std::string path = std::string(QP_TESTS_DIR) + "/malformed/gguf/" + c + ".gguf";
    const std::vector<uint8_t> expect_bytes = qp::test::read_file(path + ".expect");
    std::string expect(expect_bytes.begin(), expect_bytes.end());
    while (!expect.empty() && (expect.back() == '\n' || expect.back() == '\r')) expect.pop_back();
    REQUIRE(!expect.empty());
    std::string message;
    try {
      const Model m = open_path(path);
      for (size_t i = 0; i < m.tensors.size() && message.empty(); ++i) {
        try {
          qp::io::read_tensor_f32(m, i);
        } catch (const qp::Error& e) {
          message = e.what();
        }
      }
    } catch (const qp::Error& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.find(expect) != std::string::npos, "message: " << message);
    CHECK(message.rfind(c + ".gguf: ", 0) == 0);  // starts with the file name
  }
}

TEST_CASE("gguf: mutated and truncated fixtures fail cleanly or list") {
  // Deterministic single-byte mutations and truncations of the richest fixture: every outcome
  // must be a listing or a qp::Error, never a crash, a hang or a huge allocation (run under
  // ASan/UBSan to see the difference).
  const std::vector<uint8_t> original = qp::test::read_file(fixture_dir() + "/v3_every_type.gguf");
  uint32_t state = 12345;
  auto next = [&state] { state = state * 1664525u + 1013904223u; return state >> 8; };
  int listed = 0, refused = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> bytes = original;
    const uint32_t header_part = 4000;  // the header and tensor infos end before byte 3936
    if (iter % 10 == 0) {
      bytes.resize(next() % bytes.size());
    } else {
      const uint32_t pos = next() % header_part;
      switch (next() % 3) {
        case 0: bytes[pos] = static_cast<uint8_t>(next()); break;
        case 1: bytes[pos] = 0xff; break;  // turns lengths and counts huge
        default: bytes[pos] ^= static_cast<uint8_t>(1u << (next() % 8)); break;
      }
    }
    try {
      const Model m = qp::io::open_gguf(std::make_shared<MemorySource>("m.gguf", bytes));
      for (size_t i = 0; i < m.tensors.size(); ++i) {
        try {
          qp::io::read_tensor_f32(m, i);
        } catch (const qp::Error&) {
        }
      }
      ++listed;
    } catch (const qp::Error& e) {
      CHECK(std::string(e.what()).rfind("m.gguf: ", 0) == 0);
      ++refused;
    }
  }
  CHECK(listed > 0);
  CHECK(refused > 0);
}
