// The host's file access and DEFLATE service seen from the core: a JS source object
// ({name, size, read(offset, length)}) as an io::ByteSource, and a JS inflateRaw function (fflate)
// as an io::Inflater. Shared by the model and network bindings.
#pragma once
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bindings/guard.h"
#include "core/error.h"
#include "io/byte_source.h"
#include "io/inflater.h"

namespace qp::bindings {

// A file held by JS, read synchronously through its read(offset, length) method.
class JsByteSource final : public io::ByteSource {
 public:
  explicit JsByteSource(val source)
      : source_(std::move(source)),
        name_(source_["name"].as<std::string>()),
        size_(static_cast<uint64_t>(source_["size"].as<double>())) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override {
    // In slices, so the JS side never holds more than kSlice bytes besides the wasm heap.
    constexpr size_t kSlice = 16u << 20;
    for (size_t done = 0; done < n;) {
      const size_t len = n - done < kSlice ? n - done : kSlice;
      const val bytes = source_.call<val>("read", static_cast<double>(offset + done), static_cast<double>(len));
      if (bytes["length"].as<double>() != static_cast<double>(len)) {
        throw Error(name_ + ": read " + std::to_string(bytes["length"].as<double>()) + " bytes at " +
                    std::to_string(offset + done) + ", wanted " + std::to_string(len) + " (file changed on disk?)");
      }
      // The view is made after the JS call returned, so memory growth cannot detach it.
      val(typed_memory_view(len, dst + done)).call<void>("set", bytes);
      done += len;
    }
  }

 private:
  val source_;
  std::string name_;
  uint64_t size_;
};

class JsInflater final : public io::Inflater {
 public:
  explicit JsInflater(val fn) : fn_(std::move(fn)) {}
  std::vector<uint8_t> inflate_raw(const uint8_t* src, size_t n, size_t max_out) override {
    if (fn_.isUndefined() || fn_.isNull()) throw Error("no DEFLATE decompressor was given");
    const val input = val::global("Uint8Array").new_(typed_memory_view(n, src));  // a copy
    const val out = fn_(input, static_cast<double>(max_out));
    std::vector<uint8_t> bytes(static_cast<size_t>(out["length"].as<double>()));
    if (bytes.size() > max_out) bytes.resize(max_out);
    val(typed_memory_view(bytes.size(), bytes.data())).call<void>("set", out.call<val>("subarray", 0, static_cast<double>(bytes.size())));
    return bytes;
  }

 private:
  val fn_;
};

}  // namespace qp::bindings
