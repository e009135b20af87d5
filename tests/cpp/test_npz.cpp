// npz: archives written by numpy itself (scripts/fixtures/npz/make_npz_fixtures.py), stored by
// np.savez and deflated by np.savez_compressed, compared bit for bit with numpy's float32 values.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/model_open.h"
#include "io/npz.h"
#include "test_inflater.h"

namespace qp::test {

// Checks the listing (names, dtype names, shapes, in order) and every value of `model` against a
// fixture's sidecar (<file>.expect.json: {"tensors": [{name, dtype, shape, values}]}); values are
// float32 widened exactly to double, or "nan"/"inf"/"-inf". Also used by test_pytorch.cpp.
void check_model_against_sidecar(const io::Model& model, const std::string& sidecar_path) {
  std::ifstream in(sidecar_path);
  REQUIRE_MESSAGE(in.good(), "missing sidecar " << sidecar_path);
  const nlohmann::json expect = nlohmann::json::parse(in);
  const auto& tensors = expect.at("tensors");
  REQUIRE(model.tensors.size() == tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    const auto& want = tensors[k];
    const io::TensorEntry& entry = model.tensors[k];
    CAPTURE(entry.name);
    CHECK(entry.name == want.at("name").get<std::string>());
    CHECK(std::string(io::dtype_name(entry.dtype)) == want.at("dtype").get<std::string>());
    CHECK(entry.shape == want.at("shape").get<Shape>());
    CHECK(entry.problem.empty());
    const io::TensorData data = io::read_tensor_f32(model, k, inflater());
    const auto& values = want.at("values");
    REQUIRE(data.values.size() == values.size());
    size_t mismatches = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const float got = data.values[i];
      bool same;
      if (values[i].is_string()) {
        const std::string s = values[i].get<std::string>();
        same = s == "nan" ? std::isnan(got) : got == (s == "inf" ? INFINITY : -INFINITY);
      } else {
        same = got == static_cast<float>(values[i].get<double>()) &&
               std::signbit(got) == std::signbit(values[i].get<double>());
      }
      if (!same && mismatches++ == 0) FAIL_CHECK("element " << i << ": got " << got << ", want " << values[i]);
    }
    CHECK(mismatches == 0);
  }
}

}  // namespace qp::test

namespace {

const std::string kDir = std::string(QP_TESTS_DIR) + "/fixtures/npz/";

qp::io::Model open_fixture(const std::string& name) {
  return qp::io::open_model({qp::io::open_file_source(kDir + name)}, qp::test::inflater());
}

const qp::io::TensorEntry& find(const qp::io::Model& m, const std::string& name) {
  for (const auto& t : m.tensors)
    if (t.name == name) return t;
  FAIL("no tensor " << name);
  throw 0;
}

}  // namespace

TEST_CASE("npz: np.savez (stored members) matches numpy bit for bit, read in place") {
  const qp::io::Model m = open_fixture("stored.npz");
  CHECK(m.format == "npz");
  CHECK(m.warnings.empty());
  for (const auto& t : m.tensors) CHECK(t.encoding == qp::io::Encoding::Raw);
  const auto& fortran = find(m, "fortran_f4");
  CHECK(fortran.strides == std::vector<int64_t>{1, 3});
  CHECK(find(m, "big_endian_f4").big_endian);
  CHECK(find(m, "scalar_0d").shape.empty());
  CHECK(find(m, "layer/weight").stored_type == "<f4");
  qp::test::check_model_against_sidecar(m, kDir + "stored.npz.expect.json");
}

TEST_CASE("npz: np.savez_compressed (deflated members) matches numpy bit for bit") {
  const qp::io::Model m = open_fixture("compressed.npz");
  CHECK(m.format == "npz");
  for (const auto& t : m.tensors) {
    CAPTURE(t.name);
    CHECK(t.encoding == qp::io::Encoding::DeflatedNpy);
    CHECK(t.uncompressed_size > t.byte_size / 2);
  }
  // Listed from the inflated header alone: the Fortran member still carries its strides.
  CHECK(find(m, "fortran_f4").strides == std::vector<int64_t>{1, 3});
  CHECK(find(m, "zeros_big").byte_size < 64 * 64 * 4 / 10);
  qp::test::check_model_against_sidecar(m, kDir + "compressed.npz.expect.json");
}

TEST_CASE("npz: a zip named otherwise is still read as npz when it has no data.pkl") {
  const auto bytes = qp::io::read_all(*qp::io::open_file_source(kDir + "stored.npz"), 1 << 20);
  auto src = std::make_shared<qp::io::MemorySource>("arrays.zip", bytes);
  CHECK(qp::io::sniff_format(*src) == "npz");
  CHECK(qp::io::open_model({src}, qp::test::inflater()).tensors.size() == 18);
}

TEST_CASE("npz: non-.npy members are warnings; a deflated member without an inflater is a problem") {
  const qp::io::Model m = qp::io::open_npz(qp::io::open_file_source(kDir + "extra_member.npz"), qp::test::inflater());
  REQUIRE(m.tensors.size() == 1);
  CHECK(m.tensors[0].name == "w");
  REQUIRE(m.warnings.size() == 1);
  CHECK(m.warnings[0].find("README.txt") != std::string::npos);

  const qp::io::Model no_inflate = qp::io::open_npz(qp::io::open_file_source(kDir + "compressed.npz"), nullptr);
  CHECK(no_inflate.tensors[0].problem.find("no DEFLATE decompressor") != std::string::npos);
}
