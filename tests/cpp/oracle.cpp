#include "oracle.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/npy.h"

namespace qp::test {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

Array read_npy_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  const io::NpyHeader h = io::parse_npy_header(bytes.data(), bytes.size());
  return Array{h.descr, h.shape, io::npy_to_float32(bytes.data(), bytes.size(), h)};
}

static bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string oracle_root() {
  const char* env = std::getenv("QP_ORACLE_DIR");
  return env ? env : QP_ORACLE_DIR;
}

std::string vectors_root() {
  const char* env = std::getenv("QP_VECTORS_DIR");
  return env ? env : QP_VECTORS_DIR;
}

std::string family_dir(const std::string& root, const std::string& family) {
  const std::string dir = root + "/" + family;
  return exists(dir + "/manifest.json") ? dir : "";
}

nlohmann::json load_manifest(const std::string& dir) {
  const std::vector<uint8_t> bytes = read_file(dir + "/manifest.json");
  return nlohmann::json::parse(bytes.begin(), bytes.end());
}

Array Case::input(const std::string& name) const {
  return read_npy_file(dir + "/" + json.at("inputs").at(name).at("file").get<std::string>());
}
Array Case::expected(const std::string& name) const {
  return read_npy_file(dir + "/" + json.at("expected").at(name).at("file").get<std::string>());
}
bool Case::has_expected(const std::string& name) const {
  return json.at("expected").contains(name);
}
std::string Case::tolerance(const std::string& name) const {
  if (!json.contains("tolerance") || !json["tolerance"].contains(name)) return "exact";
  return json["tolerance"][name].at("kind").get<std::string>();
}

size_t count_bit_mismatches(const std::vector<float>& got, const std::vector<float>& want,
                            std::string* first) {
  if (got.size() != want.size()) {
    if (first) *first = "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
    return std::max(got.size(), want.size());
  }
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) && std::isnan(want[i])) continue;
    uint32_t a, b;
    std::memcpy(&a, &got[i], 4);
    std::memcpy(&b, &want[i], 4);
    if (a == b) continue;
    if (bad++ == 0 && first) {
      std::ostringstream s;
      s.precision(9);
      s << "index " << i << ": got " << got[i] << " want " << want[i];
      *first = s.str();
    }
  }
  return bad;
}

}  // namespace qp::test
