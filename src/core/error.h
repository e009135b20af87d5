// Error type of the core: every failure a user can cause (bad option, malformed file,
// non-finite data) is reported by throwing qp::Error with a message meant for that user.
// The bindings turn it into a JS Error; the native CLI and tests print what().
#pragma once
#include <stdexcept>
#include <string>

namespace qp {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace qp
