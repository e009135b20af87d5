// A restricted unpickler for the data.pkl of torch.save checkpoints. It executes nothing: it
// interprets the opcodes torch writes (protocol 2, plus the binary opcodes of protocols 3-5) into
// a small value tree, and the only callables it accepts are an allow-list of names whose effect
// it reproduces itself (OrderedDict, torch's tensor/parameter rebuild functions, torch.Size, set,
// frozenset, _codecs.encode). Any other global (os.system, builtins.eval, a user class) is refused
// before anything else happens. Opcode reference: CPython's Lib/pickletools.py.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace qp::io::pickle {

enum class Kind : uint8_t {
  None, Bool, Int, Float, String, Bytes,
  Tuple, List, Dict, Set,
  Global,   // an allowed name not (yet) called: a storage type, a dtype such as torch.float32
  Storage,  // a persistent id ('storage', storage_type, key, location, numel)
  Tensor,   // torch._utils._rebuild_tensor_v2(...) (also through _rebuild_parameter)
  Opaque,   // something we keep but do not interpret (a big integer); `text` says what
};

struct Value {
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;                                  // String, Bytes, Global "module.name", Opaque
  std::vector<const Value*> items;                   // Tuple, List, Set
  std::vector<std::pair<const Value*, const Value*>> entries;  // Dict, in insertion order
  // Storage
  std::string storage_type;  // "FloatStorage", ...
  std::string storage_key;   // the member data/<key>
  int64_t storage_numel = 0;
  // Tensor
  const Value* storage = nullptr;
  int64_t storage_offset = 0;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;
};

// The value tree; values live in `arena` (stable addresses, so shared and even cyclic references
// made through the memo cost nothing to free).
struct Document {
  std::deque<Value> arena;
  const Value* root = nullptr;
};

// Interprets a whole pickle. Throws qp::Error (without a file name) on a refused global
// ("refuses to load: the pickle calls os.system, ..."), an unknown opcode, truncation, a memo
// index that was never stored, or a size limit.
Document unpickle(const uint8_t* data, size_t size);

// Python-style rendering of a primitive (None, True, 3, 0.001, 'text') for metadata.
std::string primitive_to_text(const Value& v);

}  // namespace qp::io::pickle
