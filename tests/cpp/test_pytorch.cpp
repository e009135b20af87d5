// PyTorch: checkpoints written by torch.save itself (scripts/fixtures/pytorch/make_pt_fixtures.py),
// listed without executing pickle and compared bit for bit with torch's .float() values.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/model_open.h"
#include "io/pytorch.h"
#include "test_inflater.h"

namespace qp::test {
// Defined in test_npz.cpp.
void check_model_against_sidecar(const io::Model& model, const std::string& sidecar_path);
}  // namespace qp::test

namespace {

const std::string kDir = std::string(QP_TESTS_DIR) + "/fixtures/pytorch/";

qp::io::Model open_fixture(const std::string& name) {
  return qp::io::open_model({qp::io::open_file_source(kDir + name)}, qp::test::inflater());
}

const qp::io::TensorEntry& find(const qp::io::Model& m, const std::string& name) {
  for (const auto& t : m.tensors)
    if (t.name == name) return t;
  FAIL("no tensor " << name);
  throw 0;
}

// The metadata of the sidecar, in order.
void check_metadata(const qp::io::Model& m, const std::string& file) {
  std::ifstream in(kDir + file + ".expect.json");
  const nlohmann::json expect = nlohmann::json::parse(in);
  std::vector<std::pair<std::string, std::string>> want;
  for (const auto& kv : expect.at("metadata").items()) want.emplace_back(kv.key(), kv.value().get<std::string>());
  std::sort(want.begin(), want.end());
  auto got = m.metadata;
  std::sort(got.begin(), got.end());
  CHECK(got == want);
}

}  // namespace

TEST_CASE("pytorch: every torch.save fixture lists and reads bit for bit like torch") {
  for (const char* file : {"state_dict.pt", "dtypes.pt", "views.pt", "checkpoint.pth", "parameter.pt",
                           "big_endian.pt"}) {
    CAPTURE(file);
    const qp::io::Model m = open_fixture(file);
    CHECK(m.format == "pytorch");
    CHECK(m.warnings.empty());
    qp::test::check_model_against_sidecar(m, kDir + file + ".expect.json");
    check_metadata(m, file);
  }
}

TEST_CASE("pytorch: a state_dict keeps module order, dtypes and int64 counters") {
  const qp::io::Model m = open_fixture("state_dict.pt");
  REQUIRE(m.tensors.size() == 9);
  CHECK(m.tensors[0].name == "fc.weight");
  CHECK(m.tensors[0].shape == qp::Shape{4, 6});
  CHECK(m.tensors[0].stored_type == "FloatStorage");
  const auto& counter = find(m, "bn.num_batches_tracked");
  CHECK(counter.dtype == qp::io::DType::I64);
  CHECK(counter.shape.empty());
  CHECK(qp::io::read_tensor_f32(m, 8).values == std::vector<float>{17});
}

TEST_CASE("pytorch: views point into the shared storage with offsets and strides") {
  const qp::io::Model m = open_fixture("views.pt");
  const auto& base = find(m, "base");
  const auto& transposed = find(m, "transposed");
  const auto& rows = find(m, "rows_2_to_5");
  const auto& column = find(m, "column_1");
  CHECK(base.strides.empty());
  CHECK(base.offset % 64 == 0);  // torch aligns storage members to 64 bytes
  CHECK(transposed.offset == base.offset);
  CHECK(transposed.strides == std::vector<int64_t>{1, 6});
  CHECK(transposed.byte_size == 48 * 4);
  CHECK(rows.offset == base.offset + 2 * 6 * 4);
  CHECK(rows.strides.empty());  // a contiguous slice is read as a plain block
  CHECK(rows.byte_size == 3 * 6 * 4);
  CHECK(column.offset == base.offset + 4);
  CHECK(column.strides == std::vector<int64_t>{6});
  CHECK(find(m, "expanded").strides == std::vector<int64_t>{0, 1});
}

TEST_CASE("pytorch: nested checkpoint: dotted names, list indices, primitives as metadata") {
  const qp::io::Model m = open_fixture("checkpoint.pth");
  CHECK(find(m, "model.layer.weight").shape == qp::Shape{3, 2});
  CHECK(find(m, "history.1").dtype == qp::io::DType::I64);
  auto value = [&](const std::string& key) {
    for (const auto& kv : m.metadata)
      if (kv.first == key) return kv.second;
    return std::string("<missing>");
  };
  CHECK(value("epoch") == "3");
  CHECK(value("lr") == "0.001");
  CHECK(value("name") == "tiny-run");
  CHECK(value("best") == "None");
  CHECK(value("finished") == "True");
  CHECK(value("step_sizes.1") == "2");
}

TEST_CASE("pytorch: big-endian byteorder record") {
  const qp::io::Model m = open_fixture("big_endian.pt");
  for (const auto& t : m.tensors) CHECK(t.big_endian);
}

TEST_CASE("pytorch: a pickle that calls os.system is refused, naming it, and nothing runs") {
  std::string message;
  try {
    open_fixture("malicious.pt");
  } catch (const qp::Error& e) {
    message = e.what();
  }
  CHECK(message == "malicious.pt: refuses to load: the pickle calls os.system, which is not a tensor or "
                   "container. Qplay never executes pickle code.");
}

TEST_CASE("pytorch: recognised from the archive layout, whatever the file name") {
  const auto bytes = qp::io::read_all(*qp::io::open_file_source(kDir + "state_dict.pt"), 1 << 20);
  qp::io::MemorySource renamed("weights.bin", bytes);
  CHECK(qp::io::looks_like_pytorch_zip(renamed));
  CHECK(qp::io::sniff_format(renamed) == "pytorch");
  const auto npz = qp::io::read_all(*qp::io::open_file_source(std::string(QP_TESTS_DIR) + "/fixtures/npz/stored.npz"), 1 << 20);
  qp::io::MemorySource not_torch("x.zip", npz);
  CHECK_FALSE(qp::io::looks_like_pytorch_zip(not_torch));
  qp::io::MemorySource garbage("y.pt", {1, 2, 3});
  CHECK_FALSE(qp::io::looks_like_pytorch_zip(garbage));
}

TEST_CASE("pytorch: the hand-written archive the malformed corpus is derived from loads") {
  // scripts/fixtures/pytorch/make_malformed.py breaks this one archive in many ways; it must be
  // valid itself, or the corpus would test nothing.
  const qp::io::Model m = open_fixture("handmade.pt");
  REQUIRE(m.tensors.size() == 1);
  CHECK(m.tensors[0].problem.empty());
  CHECK(qp::io::read_tensor_f32(m, 0).values == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("pytorch: self-referencing and exponentially shared object trees end in a warning") {
  const qp::io::Model cyclic = open_fixture("self_reference.pt");
  REQUIRE(cyclic.warnings.size() == 1);
  CHECK(cyclic.warnings[0].find("nested deeper than 200 levels") != std::string::npos);
  const qp::io::Model shared = open_fixture("shared_subtrees.pt");
  REQUIRE(shared.warnings.size() == 1);
  CHECK(shared.warnings[0].find("too large") != std::string::npos);
  CHECK(shared.metadata.size() < 20000);
}
