#include "io/pickle.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace qp::io::pickle {

namespace {

// Bounds that no real checkpoint approaches but that keep a hostile pickle from exhausting memory.
constexpr size_t kMaxStack = 1 << 20;
constexpr size_t kMaxMemo = 1 << 22;
constexpr size_t kMaxMarks = 1 << 16;
// Values are ~240 bytes; 2M of them hold ~100k tensors' worth of pickle, far more than any model.
constexpr size_t kMaxValues = 1 << 21;

// Dtype attributes of the torch module (torch.float32 ...), which a checkpoint may hold as values.
const char* const kTorchDtypes[] = {
    "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long",
    "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64", "complex128",
    "cfloat", "cdouble", "float8_e4m3fn", "float8_e5m2",
};

// Names a REDUCE/NEWOBJ may call; each is reproduced by `call` below.
const char* const kCallables[] = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state", "torch.Size", "builtins.set", "builtins.frozenset",
    "_codecs.encode", "torch.device",
};

bool is_storage_type(const std::string& module, const std::string& name) {
  if (module != "torch" || name.size() <= 7 || name.compare(name.size() - 7, 7, "Storage") != 0) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Python 3 pickles with fix_imports, so builtins appear as __builtin__; os.system as posix.system.
std::string canonical_module(const std::string& m) {
  if (m == "__builtin__") return "builtins";
  if (m == "copy_reg") return "copyreg";
  return m;
}
std::string display_name(const std::string& module, const std::string& name) {
  const std::string m = (module == "posix" || module == "nt") ? "os" : module;
  return m + "." + name;
}

[[noreturn]] void refuse(const std::string& what) {
  throw Error("refuses to load: the pickle calls " + what +
              ", which is not a tensor or container. Qplay never executes pickle code.");
}

// Latin-1 encoding of UTF-8 text, as _codecs.encode(text, 'latin1') does for protocol-2 bytes.
std::string utf8_to_latin1(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size() && c <= 0xc3) {
      out.push_back(static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f)));
    } else {
      throw Error("malformed pickle: _codecs.encode of text outside latin-1");
    }
  }
  return out;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size) : p_(data), n_(size) {}

  Document run() {
    while (true) {
      op_at_ = pos_;
      const uint8_t op = byte();
      if (op == '.') {  // STOP
        if (stack_.empty()) fail("STOP with an empty stack");
        doc_.root = stack_.back();
        return std::move(doc_);
      }
      step(op);
      if (stack_.size() > kMaxStack) fail("the stack grows beyond " + std::to_string(kMaxStack) + " values");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("malformed pickle at byte " + std::to_string(op_at_) + ": " + what);
  }

  // --- reading the byte stream (every length is checked against what is left) ---
  void need(uint64_t k) const {
    if (k > n_ - pos_) {
      throw Error("truncated pickle: the opcode at byte " + std::to_string(op_at_) + " needs " +
                  std::to_string(k) + " more bytes but " + std::to_string(n_ - pos_) + " remain");
    }
  }
  uint8_t byte() {
    if (pos_ >= n_) throw Error("truncated pickle: it ends at byte " + std::to_string(n_) + " without STOP");
    return p_[pos_++];
  }
  uint64_t uint_le(int k) {
    need(static_cast<uint64_t>(k));
    uint64_t v = 0;
    for (int i = 0; i < k; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(k);
    return v;
  }
  std::string bytes(uint64_t k) {
    need(k);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(k));
    pos_ += static_cast<size_t>(k);
    return s;
  }
  std::string line() {
    const void* nl = std::memchr(p_ + pos_, '\n', n_ - pos_);
    if (!nl) throw Error("truncated pickle: GLOBAL at byte " + std::to_string(op_at_) + " has no newline");
    const size_t end = static_cast<size_t>(static_cast<const uint8_t*>(nl) - p_);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), end - pos_);
    pos_ = end + 1;
    return s;
  }

  // --- values ---
  Value* make(Kind k) {
    if (doc_.arena.size() >= kMaxValues) fail("more than " + std::to_string(kMaxValues) + " values");
    doc_.arena.emplace_back();
    doc_.arena.back().kind = k;
    return &doc_.arena.back();
  }
  void push(Value* v) { stack_.push_back(v); }
  Value* pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("stack underflow");
    return stack_.back();
  }
  // Pops everything above the last MARK (and the mark).
  std::vector<Value*> pop_to_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> out(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return out;
  }
  Value* integer(int64_t v) {
    Value* x = make(Kind::Int);
    x->integer = v;
    return x;
  }
  Value* string(Kind k, std::string s) {
    Value* x = make(k);
    x->text = std::move(s);
    return x;
  }
  Value* tuple(const std::vector<Value*>& items) {
    Value* t = make(Kind::Tuple);
    t->items.assign(items.begin(), items.end());
    return t;
  }
  // LONG1/LONG4: little-endian two's complement of any length; wider than 64 bits stays opaque.
  Value* long_int(uint64_t len) {
    const std::string b = bytes(len);
    if (len > 8) return string(Kind::Opaque, "an integer of " + std::to_string(len) + " bytes");
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
    if (len > 0 && len < 8 && (static_cast<uint8_t>(b.back()) & 0x80)) v |= ~0ull << (8 * len);
    return integer(static_cast<int64_t>(v));
  }
  void memo_put(uint64_t index) {
    if (memo_.size() >= kMaxMemo && !memo_.count(index)) fail("the memo grows beyond " + std::to_string(kMaxMemo) + " entries");
    memo_[index] = top();
  }
  Value* memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo index " + std::to_string(index) + " out of range (never stored)");
    return it->second;
  }

  Value* global(std::string module, const std::string& name) {
    module = canonical_module(module);
    const std::string full = module + "." + name;
    bool ok = is_storage_type(module, name);
    for (const char* c : kCallables) ok = ok || full == c;
    if (module == "torch")
      for (const char* d : kTorchDtypes) ok = ok || name == d;
    if (!ok) refuse(display_name(module, name));
    return string(Kind::Global, full);
  }

  // REDUCE / NEWOBJ of an allowed callable, reproduced without running it.
  Value* call(const Value* fn, const Value* args) {
    if (fn->kind != Kind::Global) fail("REDUCE of something that is not a global");
    const std::string& f = fn->text;
    if (args->kind != Kind::Tuple) fail("REDUCE arguments of " + f + " are not a tuple");
    const auto& a = args->items;
    if (f == "collections.OrderedDict") {
      Value* d = make(Kind::Dict);
      if (!a.empty() && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple)) {
        for (const Value* kv : a[0]->items) {
          if (kv->kind != Kind::Tuple || kv->items.size() != 2) fail("OrderedDict items are not pairs");
          d->entries.emplace_back(kv->items[0], kv->items[1]);
        }
      }
      return d;
    }
    if (f == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(a);
    if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty() || a[0]->kind != Kind::Tensor) fail(f + " of something that is not a tensor");
      return const_cast<Value*>(a[0]);
    }
    if (f == "torch.Size") {
      if (a.size() != 1 || a[0]->kind != Kind::Tuple) fail("torch.Size of something that is not a tuple");
      Value* t = make(Kind::Tuple);
      t->items = a[0]->items;
      return t;
    }
    if (f == "builtins.set" || f == "builtins.frozenset") {
      Value* s = make(Kind::Set);
      if (!a.empty()) {
        if (a[0]->kind != Kind::List && a[0]->kind != Kind::Tuple) fail(f + " of something that is not a list");
        s->items = a[0]->items;
      }
      return s;
    }
    if (f == "_codecs.encode") {
      if (a.empty() || a[0]->kind != Kind::String) fail("_codecs.encode of something that is not text");
      return string(Kind::Bytes, utf8_to_latin1(a[0]->text));
    }
    if (f == "torch.device") {
      if (a.empty() || a[0]->kind != Kind::String) fail("torch.device without a device name");
      std::string d = a[0]->text;
      if (a.size() > 1 && a[1]->kind == Kind::Int) d += ":" + std::to_string(a[1]->integer);
      return string(Kind::String, d);
    }
    refuse(f);  // a storage type or dtype used as a function
  }

  std::vector<int64_t> int_tuple(const Value* v, const char* what) {
    if (v->kind != Kind::Tuple && v->kind != Kind::List) fail(std::string("tensor ") + what + " is not a tuple");
    std::vector<int64_t> out;
    for (const Value* x : v->items) {
      if (x->kind != Kind::Int) fail(std::string("tensor ") + what + " holds a non-integer");
      out.push_back(x->integer);
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  Value* rebuild_tensor(const std::vector<const Value*>& a) {
    if (a.size() < 4) fail("_rebuild_tensor_v2 with " + std::to_string(a.size()) + " arguments");
    if (a[0]->kind != Kind::Storage) fail("_rebuild_tensor_v2 of something that is not a storage");
    if (a[1]->kind != Kind::Int) fail("_rebuild_tensor_v2 with a non-integer storage offset");
    Value* t = make(Kind::Tensor);
    t->storage = a[0];
    t->storage_offset = a[1]->integer;
    t->size = int_tuple(a[2], "size");
    t->stride = int_tuple(a[3], "stride");
    if (t->size.size() != t->stride.size()) fail("tensor size and stride have different lengths");
    return t;
  }

  // ('storage', storage_type, key, location, numel)
  Value* persistent_load(const Value* pid) {
    const auto& a = pid->items;
    if (pid->kind != Kind::Tuple || a.size() != 5 || a[0]->kind != Kind::String || a[0]->text != "storage")
      fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
    if (a[1]->kind != Kind::Global || a[1]->text.compare(0, 6, "torch.") != 0)
      fail("persistent id with an unknown storage type");
    if (a[2]->kind != Kind::String || a[4]->kind != Kind::Int) fail("malformed storage persistent id");
    Value* s = make(Kind::Storage);
    s->storage_type = a[1]->text.substr(6);
    s->storage_key = a[2]->text;
    s->storage_numel = a[4]->integer;
    return s;
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t v = byte();
        if (v > 5) fail("pickle protocol " + std::to_string(v) + " is newer than 5");
        break;
      }
      case 0x95: uint_le(8); break;  // FRAME: a length hint only
      case '(':  // MARK
        if (marks_.size() >= kMaxMarks) fail("too many nested MARKs");
        marks_.push_back(stack_.size());
        break;
      case '0': pop(); break;  // POP
      case '1': pop_to_mark(); break;  // POP_MARK
      case '2': push(top()); break;  // DUP
      case '}': push(make(Kind::Dict)); break;
      case ']': push(make(Kind::List)); break;
      case ')': push(make(Kind::Tuple)); break;
      case 0x8f: push(make(Kind::Set)); break;  // EMPTY_SET
      case 't': push(tuple(pop_to_mark())); break;
      case 0x85: { Value* a = pop(); push(tuple({a})); break; }
      case 0x86: { Value* b = pop(); Value* a = pop(); push(tuple({a, b})); break; }
      case 0x87: { Value* c = pop(); Value* b = pop(); Value* a = pop(); push(tuple({a, b, c})); break; }
      case 'l': {  // LIST
        Value* l = make(Kind::List);
        for (Value* v : pop_to_mark()) l->items.push_back(v);
        push(l);
        break;
      }
      case 0x91: {  // FROZENSET
        Value* s = make(Kind::Set);
        for (Value* v : pop_to_mark()) s->items.push_back(v);
        push(s);
        break;
      }
      case 'd': {  // DICT
        const std::vector<Value*> kv = pop_to_mark();
        if (kv.size() % 2) fail("DICT with an odd number of items");
        Value* d = make(Kind::Dict);
        for (size_t i = 0; i < kv.size(); i += 2) d->entries.emplace_back(kv[i], kv[i + 1]);
        push(d);
        break;
      }
      case 'a': {  // APPEND
        Value* v = pop();
        Value* l = top();
        if (l->kind != Kind::List) fail("APPEND to something that is not a list");
        l->items.push_back(v);
        break;
      }
      case 'e': {  // APPENDS
        const std::vector<Value*> vs = pop_to_mark();
        Value* l = top();
        if (l->kind != Kind::List) fail("APPENDS to something that is not a list");
        l->items.insert(l->items.end(), vs.begin(), vs.end());
        break;
      }
      case 0x90: {  // ADDITEMS
        const std::vector<Value*> vs = pop_to_mark();
        Value* s = top();
        if (s->kind != Kind::Set) fail("ADDITEMS to something that is not a set");
        s->items.insert(s->items.end(), vs.begin(), vs.end());
        break;
      }
      case 's': {  // SETITEM
        Value* v = pop();
        Value* k = pop();
        Value* d = top();
        if (d->kind != Kind::Dict) fail("SETITEM on something that is not a dict");
        d->entries.emplace_back(k, v);
        break;
      }
      case 'u': {  // SETITEMS
        const std::vector<Value*> kv = pop_to_mark();
        if (kv.size() % 2) fail("SETITEMS with an odd number of items");
        Value* d = top();
        if (d->kind != Kind::Dict) fail("SETITEMS on something that is not a dict");
        for (size_t i = 0; i < kv.size(); i += 2) d->entries.emplace_back(kv[i], kv[i + 1]);
        break;
      }
      case 'X': push(string(Kind::String, bytes(uint_le(4)))); break;     // BINUNICODE
      case 0x8c: push(string(Kind::String, bytes(uint_le(1)))); break;    // SHORT_BINUNICODE
      case 0x8d: push(string(Kind::String, bytes(uint_le(8)))); break;    // BINUNICODE8
      case 'U': push(string(Kind::String, bytes(uint_le(1)))); break;     // SHORT_BINSTRING
      case 'T': {                                                         // BINSTRING (signed length)
        const uint64_t len = uint_le(4);
        if (len & 0x80000000u) fail("BINSTRING with a negative length");
        push(string(Kind::String, bytes(len)));
        break;
      }
      case 'B': push(string(Kind::Bytes, bytes(uint_le(4)))); break;      // BINBYTES
      case 'C': push(string(Kind::Bytes, bytes(uint_le(1)))); break;      // SHORT_BINBYTES
      case 0x8e: push(string(Kind::Bytes, bytes(uint_le(8)))); break;     // BINBYTES8
      case 'J': push(integer(static_cast<int32_t>(static_cast<uint32_t>(uint_le(4))))); break;  // BININT
      case 'K': push(integer(static_cast<int64_t>(uint_le(1)))); break;   // BININT1
      case 'M': push(integer(static_cast<int64_t>(uint_le(2)))); break;   // BININT2
      case 0x8a: push(long_int(uint_le(1))); break;                       // LONG1
      case 0x8b: {                                                        // LONG4 (signed length)
        const uint64_t len = uint_le(4);
        if (len & 0x80000000u) fail("LONG4 with a negative length");
        push(long_int(len));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        need(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p_[pos_ + static_cast<size_t>(i)];
        pos_ += 8;
        Value* f = make(Kind::Float);
        std::memcpy(&f->real, &bits, 8);
        push(f);
        break;
      }
      case 'N': push(make(Kind::None)); break;
      case 0x88: case 0x89: {  // NEWTRUE / NEWFALSE
        Value* b = make(Kind::Bool);
        b->boolean = op == 0x88;
        push(b);
        break;
      }
      case 'q': memo_put(uint_le(1)); break;   // BINPUT
      case 'r': memo_put(uint_le(4)); break;   // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
      case 'h': push(memo_get(uint_le(1))); break;  // BINGET
      case 'j': push(memo_get(uint_le(4))); break;  // LONG_BINGET
      case 'c': {  // GLOBAL: "module\nname\n"
        const std::string module = line();
        const std::string name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Value* name = pop();
        Value* module = pop();
        if (name->kind != Kind::String || module->kind != Kind::String) fail("STACK_GLOBAL of non-strings");
        push(global(module->text, name->text));
        break;
      }
      case 'R': {  // REDUCE
        Value* args = pop();
        Value* fn = pop();
        push(call(fn, args));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        Value* args = pop();
        Value* cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {  // NEWOBJ_EX
        Value* kwargs = pop();
        Value* args = pop();
        Value* cls = pop();
        if (kwargs->kind != Kind::Dict || !kwargs->entries.empty()) fail("NEWOBJ_EX with keyword arguments");
        push(call(cls, args));
        break;
      }
      case 'b': pop(); top(); break;  // BUILD: the state (OrderedDict._metadata) is not needed
      case 'Q': push(persistent_load(pop())); break;  // BINPERSID
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unknown or unsupported pickle opcode ") + hex);
      }
    }
  }

  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  size_t op_at_ = 0;
  Document doc_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
};

}  // namespace

Document unpickle(const uint8_t* data, size_t size) { return Unpickler(data, size).run(); }

std::string primitive_to_text(const Value& v) {
  switch (v.kind) {
    case Kind::None: return "None";
    case Kind::Bool: return v.boolean ? "True" : "False";
    case Kind::Int: return std::to_string(v.integer);
    case Kind::Float: {
      // Shortest text that reads back to the same double, as Python's repr.
      char buf[32];
      for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v.real);
        if (std::strtod(buf, nullptr) == v.real) break;
      }
      std::string s = buf;
      if (s.find_first_of(".einn") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::String: return v.text;
    case Kind::Bytes: return "<" + std::to_string(v.text.size()) + " bytes>";
    case Kind::Global: return v.text;
    default: return "";
  }
}

}  // namespace qp::io::pickle
