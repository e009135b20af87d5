// Reading the reference-vector manifests (shared/fixtures/oracle-sample and tests/vectors):
// manifest.json per family, one .npy per tensor. See the fixtures' README for the schema.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/shape.h"

namespace qp::test {

struct Array {
  std::string descr;
  Shape shape;
  std::vector<float> values;  // every reference tensor converted to float32 (ints are small)
};

std::vector<uint8_t> read_file(const std::string& path);
Array read_npy_file(const std::string& path);

// Directory of a family, or "" when neither the shared fixtures nor tests/vectors hold it.
std::string family_dir(const std::string& root, const std::string& family);
std::string oracle_root();   // QP_ORACLE_DIR env var, else the path baked in by CMake
std::string vectors_root();  // QP_VECTORS_DIR env var, else tests/vectors
nlohmann::json load_manifest(const std::string& dir);

struct Case {
  std::string dir;
  nlohmann::json json;
  Array input(const std::string& name) const;
  Array expected(const std::string& name) const;
  bool has_expected(const std::string& name) const;
  // "exact", "abs", "approximate", "informational"
  std::string tolerance(const std::string& name) const;
  std::string id() const { return json.at("id").get<std::string>(); }
};

// Bit-for-bit float comparison (any NaN matches any NaN); returns the number of mismatches and
// describes the first one in `first`.
size_t count_bit_mismatches(const std::vector<float>& got, const std::vector<float>& want,
                            std::string* first);

}  // namespace qp::test
