// safetensors: fixtures from scripts/fixtures/safetensors (values computed by numpy), sharded
// checkpoints with and without their index, and export round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/model_open.h"
#include "io/safetensors.h"

namespace {

const std::string kDir = std::string(QP_TESTS_DIR) + "/fixtures/safetensors/";

std::shared_ptr<qp::io::ByteSource> open(const std::string& name) {
  return qp::io::open_file_source(kDir + name);
}

nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// Checks names, shapes and every value of `model` against the sidecar written by numpy.
void check_against_sidecar(const qp::io::Model& model, const std::string& file, size_t first) {
  const nlohmann::json expect = load_json(kDir + file + ".expect.json");
  const auto& tensors = expect["tensors"];
  for (size_t k = 0; k < tensors.size(); ++k) {
    const auto& want = tensors[k];
    const qp::io::TensorEntry& entry = model.tensors.at(first + k);
    CAPTURE(entry.name);
    CHECK(entry.name == want["name"].get<std::string>());
    CHECK(entry.shape == want["shape"].get<qp::Shape>());
    CHECK(entry.problem.empty());
    const qp::io::TensorData data = qp::io::read_tensor_f32(model, first + k);
    const auto& values = want["values"];
    REQUIRE(data.values.size() == values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const float got = data.values[i];
      if (values[i].is_string()) {
        const std::string s = values[i].get<std::string>();
        if (s == "nan") CHECK(std::isnan(got));
        else CHECK(got == (s == "inf" ? INFINITY : -INFINITY));
      } else {
        // Bit-exact: the sidecar holds the float32 numpy produced, widened exactly to double.
        CHECK(got == static_cast<float>(values[i].get<double>()));
      }
    }
  }
}

}  // namespace

TEST_CASE("safetensors: every dtype, metadata, 0-d and empty tensors") {
  const qp::io::Model model = qp::io::open_model({open("all_dtypes.safetensors")});
  CHECK(model.format == "safetensors");
  REQUIRE(model.tensors.size() == 17);
  CHECK(model.metadata.size() == 2);
  CHECK(model.metadata[0].first == "format");
  CHECK(model.metadata[0].second == "pt");
  CHECK(model.tensors[3].dtype == qp::io::DType::BF16);
  CHECK(model.tensors[4].dtype == qp::io::DType::F8_E4M3FN);
  CHECK(model.tensors[4].stored_type == "F8_E4M3");
  check_against_sidecar(model, "all_dtypes.safetensors", 0);
}

TEST_CASE("safetensors: shards with their index appear as one model") {
  const qp::io::Model model = qp::io::open_model(
      {open("model.safetensors.index.json"), open("model-00001-of-00002.safetensors"),
       open("model-00002-of-00002.safetensors")});
  CHECK(model.format == "safetensors");
  REQUIRE(model.tensors.size() == 4);
  CHECK(model.warnings.empty());
  CHECK(model.files.size() == 2);
  check_against_sidecar(model, "model-00001-of-00002.safetensors", 0);
  check_against_sidecar(model, "model-00002-of-00002.safetensors", 3);
}

TEST_CASE("safetensors: a missing shard is named, the present tensors stay readable") {
  const qp::io::Model model = qp::io::open_model(
      {open("model.safetensors.index.json"), open("model-00001-of-00002.safetensors")});
  REQUIRE(model.tensors.size() == 4);
  REQUIRE(model.warnings.size() == 1);
  CHECK(model.warnings[0].find("model-00002-of-00002.safetensors") != std::string::npos);
  CHECK(model.tensors[3].name == "layers.3.weight");
  CHECK(model.tensors[3].problem.find("not selected") != std::string::npos);
  CHECK_THROWS_WITH_AS(qp::io::read_tensor_f32(model, 3), doctest::Contains("model-00002-of-00002"), qp::Error);
  check_against_sidecar(model, "model-00001-of-00002.safetensors", 0);
}

TEST_CASE("safetensors: shards without an index; duplicate names across shards are refused") {
  const qp::io::Model model = qp::io::open_model(
      {open("model-00002-of-00002.safetensors"), open("model-00001-of-00002.safetensors")});
  CHECK(model.tensors.size() == 4);
  CHECK_THROWS_WITH_AS(qp::io::open_model({open("model-00001-of-00002.safetensors"),
                                           open("model-00001-of-00002.safetensors")}),
                       doctest::Contains("is in both"), qp::Error);
}

TEST_CASE("safetensors: export round-trips through the reader") {
  std::vector<qp::io::SafetensorsTensor> tensors;
  const std::vector<float> w = {1.5f, -2.0f, 0.25f, 3.0f, -0.0f, 7.0f};
  qp::io::SafetensorsTensor a{"w", qp::io::DType::F32, {2, 3}, std::vector<uint8_t>(24)};
  std::memcpy(a.bytes.data(), w.data(), 24);
  const std::vector<int8_t> q = {-128, 0, 127};
  qp::io::SafetensorsTensor b{"w.q", qp::io::DType::I8, {3}, std::vector<uint8_t>(q.begin(), q.end())};
  tensors.push_back(a);
  tensors.push_back(b);
  const std::vector<uint8_t> bytes = qp::io::encode_safetensors(tensors, {{"quantization", "int8"}});
  CHECK((bytes.size() - 8 - 24 - 3) % 8 == 0);  // header padded so data starts 8-byte aligned
  auto src = std::make_shared<qp::io::MemorySource>("out.safetensors", bytes);
  const qp::io::Model model = qp::io::open_model({src});
  REQUIRE(model.tensors.size() == 2);
  CHECK(model.metadata.at(0).second == "int8");
  CHECK(qp::io::read_tensor_f32(model, 0).values == w);
  CHECK(qp::io::read_tensor_f32(model, 1).values == std::vector<float>{-128, 0, 127});
  CHECK_THROWS_AS(qp::io::encode_safetensors({a, a}, {}), qp::Error);
}
