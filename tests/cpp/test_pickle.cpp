// pickle: the restricted unpickler on byte strings written opcode by opcode (CPython's
// Lib/pickletools.py documents each); the expected trees are what Python's pickle.loads gives.
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "io/pickle.h"

using namespace std::string_literals;  // "..."s keeps embedded NUL bytes

namespace {

using qp::io::pickle::Kind;
using qp::io::pickle::Value;

qp::io::pickle::Document load(const std::string& bytes) {
  return qp::io::pickle::unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::string error_of(const std::string& bytes) {
  try {
    load(bytes);
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}

std::string text(const Value* v) { return qp::io::pickle::primitive_to_text(*v); }

// BINUNICODE
std::string u(const std::string& s) {
  std::string out = "X";
  for (int i = 0; i < 4; ++i) out += static_cast<char>((s.size() >> (8 * i)) & 0xff);
  return out + s;
}

const std::string P2 = "\x80\x02";

}  // namespace

TEST_CASE("pickle: primitives and containers, in order") {
  // pickle.dumps({'a': [1, -2, 300, 70000, None, True, False], 'b': (1.5, 'x', b'yz'), 'c': {}}, 2),
  // with bytes written as protocol 3's SHORT_BINBYTES.
  const std::string p = P2 + "}q\x00("s + u("a") + "](K\x01J\xfe\xff\xff\xffM,\x01J\x70\x11\x01\x00N\x88\x89"s + "e" +
                        u("b") + "G\x3f\xf8\x00\x00\x00\x00\x00\x00"s + u("x") + "C\x02yz\x87" +
                        u("c") + "}u.";
  const auto doc = load(p);
  const Value* root = doc.root;
  REQUIRE(root->kind == Kind::Dict);
  REQUIRE(root->entries.size() == 3);
  CHECK(root->entries[0].first->text == "a");
  const Value* list = root->entries[0].second;
  REQUIRE(list->kind == Kind::List);
  REQUIRE(list->items.size() == 7);
  CHECK(list->items[0]->integer == 1);
  CHECK(list->items[1]->integer == -2);
  CHECK(list->items[2]->integer == 300);
  CHECK(list->items[3]->integer == 70000);
  CHECK(text(list->items[4]) == "None");
  CHECK(text(list->items[5]) == "True");
  CHECK(text(list->items[6]) == "False");
  const Value* tuple = root->entries[1].second;
  REQUIRE(tuple->kind == Kind::Tuple);
  CHECK(tuple->items[0]->real == 1.5);
  CHECK(tuple->items[1]->text == "x");
  CHECK(tuple->items[2]->kind == Kind::Bytes);
  CHECK(tuple->items[2]->text == "yz");
  CHECK(root->entries[2].second->kind == Kind::Dict);
}

TEST_CASE("pickle: LONG1 integers are two's complement of any sign; wider ones stay opaque") {
  CHECK(load(P2 + "\x8a\x01\xff.").root->integer == -1);
  CHECK(load(P2 + "\x8a\x02\x00\x80."s).root->integer == -32768);
  CHECK(load(P2 + "\x8a\x03\x00\x80\x00."s).root->integer == 32768);
  CHECK(load(P2 + "\x8a\x00."s).root->integer == 0);
  CHECK(load(P2 + std::string("\x8a\x06\x00\x00\x00\x00\x00\x01.", 10)).root->integer == (1ll << 40));
  CHECK(load(P2 + std::string("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", 13)).root->kind == Kind::Opaque);
}

TEST_CASE("pickle: the memo shares values, including a list that contains itself") {
  // l = [7]; [l, l]  ->  ]q\x00K\x07a  then BINGET 0
  const auto shared = load(P2 + "(]q\x00K\x07"s + "ah\x00l."s);
  REQUIRE(shared.root->items.size() == 2);
  CHECK(shared.root->items[0] == shared.root->items[1]);
  // l = []; l.append(l): no recursion while loading, and nothing leaks (values live in an arena).
  const auto cyclic = load(P2 + "]q\x00h\x00"s + "a.");
  CHECK(cyclic.root->items[0] == cyclic.root);
  // MEMOIZE numbers entries by memo size.
  CHECK(load("\x80\x04" + u("s") + "\x94h\x00."s).root->text == "s");
}

TEST_CASE("pickle: OrderedDict, torch.Size, set and a tensor rebuilt from a persistent id") {
  const std::string pid = "(" + u("storage") + "ctorch\nHalfStorage\n" + u("k3") + u("cpu") + "K\x0ctQ";
  const std::string tensor = "ctorch._utils\n_rebuild_tensor_v2\n(" + pid + "K\x02(K\x02K\x05t(K\x05K\x01t\x89" +
                             "ccollections\nOrderedDict\n)Rtq\x05R";
  const std::string p = P2 + "ccollections\nOrderedDict\n)Rq\x00("s + u("t") + tensor + u("size") +
                        "ctorch\nSize\n(K\x03K\x04t\x85R" + u("set") + "c__builtin__\nset\n](K\x01K\x02" "e\x85R" +
                        u("dtype") + "ctorch\nbfloat16\nu}(" + u("_metadata") + "}ub.";
  const auto doc = load(p);
  const Value* root = doc.root;
  REQUIRE(root->kind == Kind::Dict);
  REQUIRE(root->entries.size() == 4);
  const Value* t = root->entries[0].second;
  REQUIRE(t->kind == Kind::Tensor);
  CHECK(t->storage->storage_type == "HalfStorage");
  CHECK(t->storage->storage_key == "k3");
  CHECK(t->storage->storage_numel == 12);
  CHECK(t->storage_offset == 2);
  CHECK(t->size == std::vector<int64_t>{2, 5});
  CHECK(t->stride == std::vector<int64_t>{5, 1});
  CHECK(root->entries[1].second->kind == Kind::Tuple);
  CHECK(root->entries[1].second->items.size() == 2);
  CHECK(root->entries[2].second->kind == Kind::Set);
  CHECK(text(root->entries[3].second) == "torch.bfloat16");
}

TEST_CASE("pickle: a Parameter is the tensor it wraps") {
  const std::string pid = "(" + u("storage") + "ctorch\nFloatStorage\n" + u("0") + u("cpu") + "K\x01tQ";
  const std::string tensor = "ctorch._utils\n_rebuild_tensor_v2\n(" + pid + "K\x00))\x89}tR"s;
  const std::string p = P2 + "ctorch._utils\n_rebuild_parameter\n(" + tensor + "\x88}tR.";
  CHECK(load(p).root->kind == Kind::Tensor);
}

TEST_CASE("pickle: any callable outside the allow-list is refused by name, before anything runs") {
  const std::string tail = ", which is not a tensor or container. Qplay never executes pickle code.";
  CHECK(error_of(P2 + "cposix\nsystem\n(" + u("echo pwned") + "tR.") ==
        "refuses to load: the pickle calls os.system" + tail);
  CHECK(error_of(P2 + "cnt\nsystem\n.") == "refuses to load: the pickle calls os.system" + tail);
  CHECK(error_of(P2 + "c__builtin__\neval\n.") == "refuses to load: the pickle calls builtins.eval" + tail);
  CHECK(error_of(P2 + "c__main__\nMyClass\n)\x81.") == "refuses to load: the pickle calls __main__.MyClass" + tail);
  CHECK(error_of("\x80\x04\x8c\x08" "builtins\x8c\x04" "exec\x93.").find("calls builtins.exec,") != std::string::npos);
  CHECK(error_of(P2 + "cnumpy.core.multiarray\n_reconstruct\n.").find("numpy.core.multiarray._reconstruct") !=
        std::string::npos);
  CHECK(error_of(P2 + "ctorch\nload\n.").find("calls torch.load,") != std::string::npos);
  CHECK(error_of(P2 + "ctorch\nos.FloatStorage\n.").find("calls torch.os.FloatStorage,") != std::string::npos);
  // Allowed names used as something else are refused too: a storage type is not a function.
  CHECK(error_of(P2 + "ctorch\nFloatStorage\n(K\x03tR.").find("calls torch.FloatStorage,") != std::string::npos);
}

TEST_CASE("pickle: malformed streams give errors that say where and why") {
  CHECK(error_of(P2 + "\xff.").find("unknown or unsupported pickle opcode 0xff") != std::string::npos);
  CHECK(error_of(P2 + "I12\n.").find("opcode 0x49") != std::string::npos);  // text protocol 0: not supported
  CHECK(error_of(P2 + "K").find("truncated pickle") != std::string::npos);
  CHECK(error_of(P2 + "N").find("without STOP") != std::string::npos);
  CHECK(error_of(P2 + "X\xff\xff\xff\x7f" + "abc.").find("needs 2147483647 more bytes") != std::string::npos);
  CHECK(error_of(P2 + "j\x10\x00\x00\x00."s).find("memo index 16 out of range") != std::string::npos);
  CHECK(error_of(P2 + "a.").find("stack underflow") != std::string::npos);
  CHECK(error_of(P2 + "(a.").find("stack underflow") != std::string::npos);  // cannot pop through a MARK
  CHECK(error_of(P2 + "K\x01t.").find("no MARK") != std::string::npos);
  CHECK(error_of(P2 + ".").find("STOP with an empty stack") != std::string::npos);
  CHECK(error_of("\x80\x09N.").find("protocol 9") != std::string::npos);
  CHECK(error_of(P2 + "NK\x01" "a.").find("APPEND to something that is not a list") != std::string::npos);
  CHECK(error_of(P2 + "(" + u("module") + "tQ.").find("unsupported persistent id") != std::string::npos);
  CHECK(error_of(P2 + "cposix\nsystem").find("no newline") != std::string::npos);
}

TEST_CASE("pickle: floats print as Python's repr") {
  qp::io::pickle::Value v;
  v.kind = Kind::Float;
  v.real = 0.001;
  CHECK(text(&v) == "0.001");
  v.real = 3.0;
  CHECK(text(&v) == "3.0");
  v.real = 0.1 + 0.2;
  CHECK(text(&v) == "0.30000000000000004");
  v.real = 1e-05;
  CHECK(text(&v) == "1e-05");
}
