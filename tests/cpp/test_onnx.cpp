// The ONNX reader against models saved by the onnx package (tests/fixtures/onnx, made by
// scripts/fixtures/onnx/make_onnx_fixtures.py): listing and values bit for bit, external data with
// and without its file; plus hand-built models for the cases onnx does not write (unpacked
// fields, size mismatches, a multi-gigabyte raw_data that listing must not read).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_open.h"
#include "io/onnx.h"

namespace {

using nlohmann::json;
using qp::io::ByteSource;
using qp::io::Encoding;
using qp::io::MemorySource;
using qp::io::Model;

const std::string kDir = std::string(QP_TESTS_DIR) + "/fixtures/onnx/";

std::shared_ptr<ByteSource> fixture(const std::string& name) { return qp::io::open_file_source(kDir + name); }

json sidecar(const std::string& model) {
  std::ifstream in(kDir + model + ".expect.json");
  REQUIRE_MESSAGE(in.good(), "missing " << model << ".expect.json: run scripts/fixtures/onnx/make_onnx_fixtures.py");
  return json::parse(in);
}

std::string metadata_value(const Model& m, const std::string& key) {
  for (const auto& [k, v] : m.metadata) {
    if (k == key) return v;
  }
  return "<missing>";
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// Compares the listing and every readable tensor's values with the sidecar.
void check_against_sidecar(const Model& m, const json& expect) {
  CHECK(m.format == "onnx");
  if (expect.contains("metadata")) {
    for (const auto& item : expect["metadata"].items()) {
      // A plain variable: clang (em++) cannot capture structured bindings in doctest's lambdas.
      const std::string key = item.key();
      CHECK_MESSAGE(metadata_value(m, key) == item.value().get<std::string>(), key);
    }
  }
  if (expect.contains("graph")) {
    const json& g = expect["graph"];
    REQUIRE(m.graph.op_counts.size() == g["op_counts"].size());
    for (size_t i = 0; i < m.graph.op_counts.size(); ++i) {
      CHECK(m.graph.op_counts[i].op_type == g["op_counts"][i][0].get<std::string>());
      CHECK(m.graph.op_counts[i].count == g["op_counts"][i][1].get<int64_t>());
    }
    CHECK(m.graph.node_count == g["node_count"].get<int64_t>());
    CHECK(m.graph.inputs == g["inputs"].get<std::vector<std::string>>());
    CHECK(m.graph.outputs == g["outputs"].get<std::vector<std::string>>());
  }
  const json& tensors = expect["tensors"];
  REQUIRE(m.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const json& t = tensors[i];
    const auto& e = m.tensors[i];
    CAPTURE(e.name);
    CHECK(e.name == t["name"].get<std::string>());
    CHECK(e.stored_type == t["stored_type"].get<std::string>());
    CHECK(qp::io::dtype_name(e.dtype) == t["dtype"].get<std::string>());
    CHECK(e.shape == t["shape"].get<std::vector<int64_t>>());
    if (t.contains("problem")) {
      CHECK(e.problem.find(t["problem"].get<std::string>()) != std::string::npos);
      CHECK_THROWS_AS(qp::io::read_tensor_f32(m, i), qp::Error);
      continue;
    }
    CHECK(e.problem == "");
    if (t.contains("encoding")) {
      CHECK(e.encoding == (t["encoding"] == "raw" ? Encoding::Raw : Encoding::PackedVarint));
    }
    if (t.contains("file")) CHECK(m.files.at(e.file)->name() == t["file"].get<std::string>());
    if (t.contains("offset")) CHECK(e.offset == t["offset"].get<uint64_t>());
    if (t.contains("byte_size")) CHECK(e.byte_size == t["byte_size"].get<uint64_t>());
    const qp::io::TensorData data = qp::io::read_tensor_f32(m, i);
    CHECK(data.shape == e.shape);
    const auto want = t["bits"].get<std::vector<uint32_t>>();
    REQUIRE(data.values.size() == want.size());
    size_t mismatches = 0;
    for (size_t k = 0; k < want.size(); ++k) {
      if (bits_of(data.values[k]) != want[k]) {
        if (mismatches++ < 3) CHECK_MESSAGE(false, "value " << k << ": got " << data.values[k] << " bits " << bits_of(data.values[k]) << ", want bits " << want[k]);
      }
    }
    CHECK(mismatches == 0);
  }
}

// --- A minimal protobuf writer for hand-built models ----------------------------------------

struct Pb {
  std::vector<uint8_t> b;
  Pb& varint(uint64_t v) {
    do {
      b.push_back(static_cast<uint8_t>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
      v >>= 7;
    } while (v);
    return *this;
  }
  Pb& tag(uint32_t field, int wire) { return varint((uint64_t{field} << 3) | wire); }
  Pb& u(uint32_t field, uint64_t v) { return tag(field, 0).varint(v); }
  Pb& bytes(uint32_t field, const std::vector<uint8_t>& v) {
    tag(field, 2).varint(v.size());
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Pb& str(uint32_t field, const std::string& s) { return bytes(field, std::vector<uint8_t>(s.begin(), s.end())); }
  Pb& msg(uint32_t field, const Pb& m) { return bytes(field, m.b); }
  Pb& fixed32(uint32_t field, float f) {
    tag(field, 5);
    uint8_t x[4];
    std::memcpy(x, &f, 4);
    b.insert(b.end(), x, x + 4);
    return *this;
  }
};

std::vector<uint8_t> floats_le(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// A ModelProto whose graph holds the given initializers.
std::vector<uint8_t> model_with(const std::vector<Pb>& initializers) {
  Pb graph;
  graph.msg(1, Pb().str(4, "Identity"));
  for (const Pb& t : initializers) graph.msg(5, t);
  Pb model;
  model.u(1, 8).msg(7, graph);
  return model.b;
}

Model open_bytes(std::vector<uint8_t> bytes, const std::string& name = "model.onnx") {
  return qp::io::open_onnx(std::make_shared<MemorySource>(name, std::move(bytes)), {});
}

// A file of `header`, then `gap` zero bytes that are never stored, then `trailer`; counts bytes
// read, so a test can prove that listing skips a huge payload.
class SparseSource final : public ByteSource {
 public:
  SparseSource(std::vector<uint8_t> header, uint64_t gap, std::vector<uint8_t> trailer)
      : header_(std::move(header)), gap_(gap), trailer_(std::move(trailer)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return header_.size() + gap_ + trailer_.size(); }
  uint64_t bytes_read = 0;

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override {
    bytes_read += n;
    const uint64_t gap_end = header_.size() + gap_;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t at = offset + i;
      dst[i] = at < header_.size() ? header_[static_cast<size_t>(at)]
               : at < gap_end      ? 0
                                   : trailer_[static_cast<size_t>(at - gap_end)];
    }
  }

 private:
  std::string name_ = "huge.onnx";
  std::vector<uint8_t> header_;
  uint64_t gap_;
  std::vector<uint8_t> trailer_;
};

}  // namespace

TEST_CASE("onnx: an MLP saved by onnx (float32 raw_data): listing, graph summary, metadata, values") {
  const Model m = qp::io::open_model({fixture("mlp.onnx")});
  check_against_sidecar(m, sidecar("mlp.onnx"));
  CHECK(m.warnings.empty());
  CHECK(m.files.size() == 1);
}

TEST_CASE("onnx: every supported type through raw_data") {
  check_against_sidecar(qp::io::open_model({fixture("dtypes_raw.onnx")}), sidecar("dtypes_raw.onnx"));
}

TEST_CASE("onnx: every supported type through the typed fields (float16/bfloat16 bits in int32_data)") {
  check_against_sidecar(qp::io::open_model({fixture("dtypes_typed.onnx")}), sidecar("dtypes_typed.onnx"));
}

TEST_CASE("onnx: scalars, empty tensors, unsupported types, subgraphs, IR 3 initializers as inputs") {
  const Model m = qp::io::open_model({fixture("misc.onnx")});
  check_against_sidecar(m, sidecar("misc.onnx"));
}

TEST_CASE("onnx: external data with its companion file") {
  const json expect = sidecar("external.onnx");
  const Model m = qp::io::open_model({fixture("external.onnx"), fixture("weights.bin")});
  check_against_sidecar(m, expect);
  CHECK(m.warnings.empty());
  REQUIRE(m.files.size() == 2);
  CHECK(m.files[1]->name() == "weights.bin");
}

TEST_CASE("onnx: external data without its companion: a problem naming the file, the rest readable") {
  const Model m = qp::io::open_model({fixture("external.onnx")});
  REQUIRE(m.tensors.size() == 3);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(m.tensors[i].problem == "needs external data file 'weights.bin': select it together with the model");
    CHECK_THROWS_WITH_AS(qp::io::read_tensor_f32(m, i), doctest::Contains("external.onnx: tensor"), qp::Error);
  }
  REQUIRE(m.warnings.size() == 1);  // once per missing file, not per tensor
  CHECK(m.warnings[0].find("'weights.bin'") != std::string::npos);
  CHECK(m.tensors[2].problem.empty());
  CHECK(qp::io::read_tensor_f32(m, 2).values == std::vector<float>{0.5f, -2.0f, 8.25f});
}

TEST_CASE("onnx: a raw_data size that disagrees with dims is a problem in the issue's words") {
  Pb t;
  t.u(1, 256).u(1, 784).u(2, 1).str(8, "fc1.weight").bytes(9, std::vector<uint8_t>(1000));
  const Model m = open_bytes(model_with({t}));
  REQUIRE(m.tensors.size() == 1);
  CHECK(m.tensors[0].problem == "raw_data has 1000 bytes but FLOAT[256, 784] needs 802816");
  CHECK_THROWS_WITH_AS(qp::io::read_tensor_f32(m, 0),
                       "model.onnx: tensor 'fc1.weight': raw_data has 1000 bytes but FLOAT[256, 784] needs 802816",
                       qp::Error);
}

TEST_CASE("onnx: packed dims, one unpacked float, and repeated unpacked values") {
  // dims packed [2, 1]; float_data packed
  Pb packed_dims;
  packed_dims.bytes(1, {2, 1}).u(2, 1).str(8, "a").bytes(4, floats_le({1.5f, -3.0f}));
  // a scalar whose one float is written unpacked (wire type 5): still one contiguous float
  Pb single;
  single.u(2, 1).str(8, "b").fixed32(4, 7.25f);
  // three unpacked floats: legal protobuf, not contiguous, refused with a clear problem
  Pb spread;
  spread.u(1, 3).u(2, 1).str(8, "c").fixed32(4, 1).fixed32(4, 2).fixed32(4, 3);
  // int8 in int32_data, unpacked single value -5 (sign-extended 10-byte varint)
  Pb int8;
  int8.u(1, 1).u(2, 3).str(8, "d").u(5, static_cast<uint64_t>(int64_t{-5}));
  const Model m = open_bytes(model_with({packed_dims, single, spread, int8}));
  REQUIRE(m.tensors.size() == 4);
  CHECK(m.tensors[0].shape == qp::Shape{2, 1});
  CHECK(qp::io::read_tensor_f32(m, 0).values == std::vector<float>{1.5f, -3.0f});
  CHECK(m.tensors[1].shape.empty());
  CHECK(qp::io::read_tensor_f32(m, 1).values == std::vector<float>{7.25f});
  CHECK(m.tensors[2].problem.find("float_data is written in 3 pieces") != std::string::npos);
  CHECK(m.tensors[3].encoding == Encoding::PackedVarint);
  CHECK(qp::io::read_tensor_f32(m, 3).values == std::vector<float>{-5.0f});
}

TEST_CASE("onnx: tensor problems do not stop the listing") {
  Pb negative, overflow, unknown, wrong_field, no_data, int4, ok;
  negative.u(1, static_cast<uint64_t>(int64_t{-3})).u(2, 1).str(8, "neg");
  overflow.u(1, uint64_t{1} << 40).u(1, uint64_t{1} << 40).u(2, 1).str(8, "big");
  unknown.u(1, 2).u(2, 99).str(8, "unk").bytes(9, {1, 2});
  wrong_field.u(1, 2).u(2, 1).str(8, "wrong").bytes(5, {1, 2});
  no_data.u(1, 4).u(2, 1).str(8, "none");
  int4.u(1, 4).u(2, 22).str(8, "q").bytes(9, {0x12, 0x34});
  ok.u(1, 2).u(2, 1).str(8, "ok").bytes(9, floats_le({1, 2}));
  const Model m = open_bytes(model_with({negative, overflow, unknown, wrong_field, no_data, int4, ok}));
  REQUIRE(m.tensors.size() == 7);
  CHECK(m.tensors[0].problem.find("negative dimension") != std::string::npos);
  CHECK(m.tensors[1].problem != "");
  CHECK(m.tensors[2].problem == "unknown ONNX data type 99");
  CHECK(m.tensors[2].stored_type == "type 99");
  CHECK(m.tensors[3].problem == "stores its values in int32_data, but FLOAT belongs in float_data");
  CHECK(m.tensors[4].problem.find("has no data") != std::string::npos);
  CHECK(m.tensors[5].problem == "ONNX type INT4 is not supported yet");
  CHECK(m.tensors[5].stored_type == "INT4");
  CHECK(m.tensors[5].dtype == qp::io::DType::Unsupported);
  CHECK(m.tensors[6].problem.empty());
  CHECK(qp::io::read_tensor_f32(m, 6).values == std::vector<float>{1, 2});
}

TEST_CASE("onnx: external locations may not leave the model's folder") {
  auto external = [](const std::string& location) {
    Pb t;
    t.u(1, 1).u(2, 1).str(8, "w").msg(13, Pb().str(1, "location").str(2, location)).u(14, 1);
    return t;
  };
  const auto weights = std::make_shared<MemorySource>("w.bin", floats_le({4.0f, 5.0f}));
  Pb offset;
  offset.u(1, 1).u(2, 1).str(8, "o")
      .msg(13, Pb().str(1, "location").str(2, "sub/w.bin"))
      .msg(13, Pb().str(1, "offset").str(2, "4"))
      .msg(13, Pb().str(1, "length").str(2, "4")).u(14, 1);
  Pb beyond;  // offset + length past the end of w.bin (8 bytes)
  beyond.u(1, 1).u(2, 1).str(8, "p")
      .msg(13, Pb().str(1, "location").str(2, "w.bin"))
      .msg(13, Pb().str(1, "offset").str(2, "6"))
      .msg(13, Pb().str(1, "length").str(2, "4")).u(14, 1);
  const Model m = qp::io::open_onnx(std::make_shared<MemorySource>("m.onnx", model_with(
      {external("../w.bin"), external("/abs/w.bin"), external("a/../../w.bin"), external(""), offset, beyond})),
      {weights});
  REQUIRE(m.tensors.size() == 6);
  CHECK(m.tensors[5].problem == "external data at bytes 6..10 is outside 'w.bin' (8 bytes)");
  CHECK(m.files.size() == 2);  // w.bin added once
  for (size_t i = 0; i < 3; ++i) CHECK(m.tensors[i].problem.find("leaves the model's folder") != std::string::npos);
  CHECK(m.tensors[3].problem.find("names no location") != std::string::npos);
  CHECK(m.tensors[4].problem.empty());
  CHECK(qp::io::read_tensor_f32(m, 4).values == std::vector<float>{5.0f});
}

TEST_CASE("onnx: listing a model with 5 GB of inline raw_data reads only its headers") {
  const uint64_t payload = 5ull << 30;  // 5 GiB of float32 zeros, never stored
  Pb tensor_head;
  tensor_head.u(1, payload / 4).u(2, 1).str(8, "huge").tag(9, 2).varint(payload);
  Pb graph_head;
  graph_head.msg(1, Pb().str(4, "MatMul")).tag(5, 2).varint(tensor_head.b.size() + payload);
  graph_head.b.insert(graph_head.b.end(), tensor_head.b.begin(), tensor_head.b.end());
  Pb after_graph;  // a second initializer after the payload
  after_graph.msg(5, Pb().u(1, 1).u(2, 1).str(8, "small").bytes(9, floats_le({2.5f})));
  Pb model;
  model.u(1, 9).tag(7, 2).varint(graph_head.b.size() + payload + after_graph.b.size());
  model.b.insert(model.b.end(), graph_head.b.begin(), graph_head.b.end());
  auto source = std::make_shared<SparseSource>(model.b, payload, after_graph.b);
  const Model m = qp::io::open_onnx(source, {});
  REQUIRE(m.tensors.size() == 2);
  CHECK(m.tensors[0].problem.empty());
  CHECK(m.tensors[0].offset == model.b.size());
  CHECK(m.tensors[0].byte_size == payload);
  CHECK(m.graph.node_count == 1);
  CHECK(source->bytes_read < 256 * 1024);
  CHECK(qp::io::read_tensor_f32(m, 1).values == std::vector<float>{2.5f});
}

TEST_CASE("onnx: sparse initializers are reported, a bad packed varint spoils only its tensor") {
  Pb graph;
  graph.msg(1, Pb().str(4, "Add"))
      .msg(15, Pb().msg(1, Pb().u(2, 1).str(8, "sparse")))
      .msg(5, Pb().u(1, 2).u(2, 6).str(8, "bad").bytes(5, {0x01, 0x80}))
      .msg(5, Pb().u(1, 1).u(2, 6).str(8, "good").bytes(5, {0x7f}));
  const Model m = open_bytes(Pb().u(1, 8).msg(7, graph).b);
  REQUIRE(m.warnings.size() == 1);
  CHECK(m.warnings[0].find("sparse initializers are not listed (1 in the graph") == 0);
  REQUIRE(m.tensors.size() == 2);
  CHECK(m.tensors[0].problem.find("packed field ends inside a varint") != std::string::npos);
  CHECK(qp::io::read_tensor_f32(m, 1).values == std::vector<float>{127.0f});
}

TEST_CASE("onnx: structural errors name the file") {
  CHECK_THROWS_WITH_AS(open_bytes({}), "model.onnx: the file is empty", qp::Error);
  CHECK_THROWS_WITH_AS(open_bytes(Pb().u(1, 8).b), doctest::Contains("model.onnx: no ONNX graph found"), qp::Error);
  // data_type written as a string
  Pb bad;
  bad.str(2, "FLOAT");
  CHECK_THROWS_WITH_AS(open_bytes(model_with({bad})),
                       doctest::Contains("model.onnx: malformed protobuf in TensorProto"), qp::Error);
}

TEST_CASE("onnx: seeded corruptions of saved models end in a listing or a qp::Error, never a crash") {
  // Byte flips, truncations and inserted bytes over every fixture model; run under ASan/UBSan to
  // catch out-of-bounds reads. Any outcome but a crash or a non-qp exception is acceptable.
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state]() {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  };
  int listed = 0, refused = 0;
  for (const char* name : {"mlp.onnx", "dtypes_raw.onnx", "dtypes_typed.onnx", "misc.onnx", "external.onnx"}) {
    const std::vector<uint8_t> original = qp::io::read_all(*fixture(name), 1 << 20);
    for (int round = 0; round < 400; ++round) {
      std::vector<uint8_t> bytes = original;
      const int edits = 1 + static_cast<int>(next() % 4);
      for (int k = 0; k < edits && !bytes.empty(); ++k) {
        const size_t at = next() % bytes.size();
        switch (next() % 4) {
          case 0: bytes[at] = static_cast<uint8_t>(next()); break;
          case 1: bytes[at] ^= static_cast<uint8_t>(1u << (next() % 8)); break;
          case 2: bytes.resize(at); break;
          default: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(next())); break;
        }
      }
      try {
        const Model m = qp::io::open_onnx(std::make_shared<MemorySource>(name, bytes), {});
        ++listed;
        for (size_t i = 0; i < m.tensors.size(); ++i) {
          try {
            (void)qp::io::read_tensor_f32(m, i);
          } catch (const qp::Error&) {
          }
        }
      } catch (const qp::Error& e) {
        ++refused;
        CHECK_MESSAGE(std::string(e.what()).rfind(name, 0) == 0, e.what());
      }
    }
  }
  CHECK(listed + refused == 2000);
  MESSAGE("corrupted models listed: " << listed << ", refused: " << refused);
}
