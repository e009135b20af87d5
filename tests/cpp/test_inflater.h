// The raw-DEFLATE service for tests: zlib natively; under Node (wasm tests) Node's own zlib,
// standing in for the fflate callback the bindings give the core in the browser.
#pragma once
#include "io/inflater.h"

namespace qp::test {

io::Inflater* inflater();

}  // namespace qp::test
