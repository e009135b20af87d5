// The malformed-file corpus: every tests/malformed/<format>/<case>.<ext> must give a qp::Error
// (when opened, when any tensor is read, or as a listed tensor's problem) whose message contains
// the line in <case>.<ext>.expect. Nothing may crash, hang or pass silently. The files are made by
// scripts/fixtures/<format>/make_malformed.py.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_open.h"
#include "test_inflater.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  fs::path file;
  std::string expect;
};

std::vector<Case> corpus() {
  std::vector<Case> cases;
  const fs::path root = fs::path(QP_TESTS_DIR) / "malformed";
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    if (dir.path().filename() == "nn") continue;  // network files: opened by open_network in test_nn_import.cpp
    for (const auto& entry : fs::directory_iterator(dir.path())) {
      const fs::path p = entry.path();
      if (p.extension() == ".expect") continue;
      std::ifstream in(p.string() + ".expect");
      std::string line;
      std::getline(in, line);
      cases.push_back({p, line});
    }
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.file < b.file; });
  return cases;
}

struct Message {
  bool thrown;  // an open/read error (must name the file) rather than a listed tensor's problem
  std::string text;
};

// Every message the reader produced for this file: the open error, or each tensor's problem and
// read error.
std::vector<Message> messages_for(const fs::path& file) {
  std::vector<Message> out;
  try {
    std::shared_ptr<qp::io::ByteSource> src = qp::io::open_file_source(file.string());
    const qp::io::Model model = qp::io::open_model({src}, qp::test::inflater());
    for (size_t i = 0; i < model.tensors.size(); ++i) {
      if (!model.tensors[i].problem.empty()) out.push_back({false, model.tensors[i].problem});
      try {
        (void)qp::io::read_tensor_f32(model, i, qp::test::inflater());
      } catch (const qp::Error& e) {
        out.push_back({true, e.what()});
      }
    }
  } catch (const qp::Error& e) {
    out.push_back({true, e.what()});
  }
  return out;
}

}  // namespace

TEST_CASE("malformed corpus: every file gives its expected error, naming the file") {
  const std::vector<Case> cases = corpus();
  // The issue asks for at least 40 malformed files across the formats.
  CHECK(cases.size() >= 40);
  for (const Case& c : cases) {
    CAPTURE(c.file.string());
    REQUIRE_MESSAGE(!c.expect.empty(), "missing or empty .expect file");
    const std::vector<Message> messages = messages_for(c.file);
    std::string all;
    for (const auto& m : messages) all += "\n  " + m.text;
    CAPTURE(all);
    const bool found = std::any_of(messages.begin(), messages.end(), [&](const Message& m) {
      return m.text.find(c.expect) != std::string::npos;
    });
    CHECK_MESSAGE(found, "expected an error containing: " << c.expect);
    const std::string name = c.file.filename().string();
    for (const Message& m : messages) {
      if (m.thrown) CHECK_MESSAGE(m.text.find(name) != std::string::npos, "error does not name the file: " << m.text);
    }
  }
}
