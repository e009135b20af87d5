// Shared by every binding file: exception-to-JS-Error translation and copying arrays out.
#pragma once
#include <emscripten/val.h>

#include <exception>
#include <new>
#include <string>

namespace qp::bindings {

using emscripten::typed_memory_view;
using emscripten::val;

// Runs `body`; a C++ exception becomes a JS Error thrown after every C++ object of the call
// is destroyed (a JS throw skips C++ destructors).
template <class Body>
val guarded(Body&& body) {
  val error = val::undefined();
  {
    std::string message;
    try {
      return body();
    } catch (const std::bad_alloc&) {
      message = "out of memory (WebAssembly memory is limited to 4 GB)";
    } catch (const std::exception& e) {
      message = e.what();
    }
    error = val::global("Error").new_(val(message));
    error.set("name", val("QplayError"));
  }
  error.throw_();
}

// A JS-owned copy of a C++ array, as the typed array class `type`.
template <class T>
val copy_out(const char* type, const T* data, size_t n) {
  return val::global(type).new_(typed_memory_view(n, data));
}

}  // namespace qp::bindings
