// zip: the central-directory reader on archives built byte by byte here (APPNOTE 6.3 layouts),
// including ZIP64 records and a sparse 5 GiB archive that must be listed from a few KiB of reads.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/npy.h"
#include "io/npz.h"
#include "io/zip.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint64_t v) { for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); }
void put32(Bytes& b, uint64_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); }
void put64(Bytes& b, uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); }
void append(Bytes& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
void append(Bytes& b, const Bytes& s) { b.insert(b.end(), s.begin(), s.end()); }

struct Member {
  std::string name;
  Bytes data;               // what follows the local header (left out when `virtual_size` is set)
  uint64_t virtual_size = 0;  // > 0: the data is that many bytes that the archive does not hold
  uint16_t method = 0;
  uint16_t flags = 0;
  size_t local_extra = 0;   // padding in the local header's extra field (torch aligns data this way)
};

struct Built {
  Bytes head;                 // local headers and data, up to the first virtual member
  uint64_t directory_at = 0;  // absolute offset of the central directory
  Bytes tail;                 // central directory and end records
  std::vector<uint64_t> data_offsets;
};

// Writes local headers, the central directory and the end records. With `zip64`, every central
// entry saturates its 32-bit fields and carries a ZIP64 extra field, and ZIP64 end records precede
// the classic one.
Built build(const std::vector<Member>& members, bool zip64, const std::string& comment = "") {
  Built out;
  uint64_t at = 0;
  std::vector<uint64_t> local_offsets;
  for (const Member& m : members) {
    local_offsets.push_back(at);
    Bytes h;
    put32(h, 0x04034b50); put16(h, 20); put16(h, m.flags); put16(h, m.method); put32(h, 0);
    put32(h, 0);  // crc (not checked)
    const uint64_t size = m.virtual_size ? m.virtual_size : m.data.size();
    put32(h, size > 0xffffffffu ? 0xffffffffu : size); put32(h, size > 0xffffffffu ? 0xffffffffu : size);
    put16(h, m.name.size()); put16(h, m.local_extra);
    append(h, m.name);
    h.resize(h.size() + m.local_extra, 0);
    out.data_offsets.push_back(at + h.size());
    at += h.size() + size;
    append(out.head, h);
    if (!m.virtual_size) append(out.head, m.data);
  }
  out.directory_at = at;
  Bytes dir;
  for (size_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    const uint64_t size = m.virtual_size ? m.virtual_size : m.data.size();
    const bool big = zip64 || size > 0xffffffffu || local_offsets[i] > 0xffffffffu;
    put32(dir, 0x02014b50); put16(dir, 45); put16(dir, 45); put16(dir, m.flags); put16(dir, m.method);
    put32(dir, 0); put32(dir, 0);
    put32(dir, big ? 0xffffffffu : size); put32(dir, big ? 0xffffffffu : size);
    put16(dir, m.name.size()); put16(dir, big ? 28 : 0); put16(dir, 0); put16(dir, 0); put16(dir, 0); put32(dir, 0);
    put32(dir, big ? 0xffffffffu : local_offsets[i]);
    append(dir, m.name);
    if (big) { put16(dir, 1); put16(dir, 24); put64(dir, size); put64(dir, size); put64(dir, local_offsets[i]); }
  }
  out.tail = dir;
  const uint64_t end64_at = at + dir.size();
  const bool need64 = zip64 || at > 0xffffffffu;
  if (need64) {
    put32(out.tail, 0x06064b50); put64(out.tail, 44); put16(out.tail, 45); put16(out.tail, 45);
    put32(out.tail, 0); put32(out.tail, 0); put64(out.tail, members.size()); put64(out.tail, members.size());
    put64(out.tail, dir.size()); put64(out.tail, at);
    put32(out.tail, 0x07064b50); put32(out.tail, 0); put64(out.tail, end64_at); put32(out.tail, 1);
  }
  put32(out.tail, 0x06054b50); put16(out.tail, 0); put16(out.tail, 0);
  put16(out.tail, need64 ? 0xffff : members.size()); put16(out.tail, need64 ? 0xffff : members.size());
  put32(out.tail, need64 ? 0xffffffffu : dir.size()); put32(out.tail, need64 ? 0xffffffffu : at);
  put16(out.tail, comment.size());
  append(out.tail, comment);
  return out;
}

Bytes whole(const Built& b) {
  Bytes out = b.head;
  append(out, b.tail);
  return out;
}

std::string error_of(const Bytes& zip) {
  qp::io::MemorySource src("t.zip", zip);
  try {
    qp::io::read_zip_directory(src);
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}

// A file of `size` bytes that holds only a few regions (zeros elsewhere) and counts what is read.
class SparseSource final : public qp::io::ByteSource {
 public:
  SparseSource(uint64_t size, std::map<uint64_t, Bytes> regions) : size_(size), regions_(std::move(regions)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  uint64_t bytes_read = 0;

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override {
    bytes_read += n;
    std::fill(dst, dst + n, 0);
    for (const auto& r : regions_) {
      const uint64_t lo = std::max(offset, r.first), hi = std::min(offset + n, r.first + r.second.size());
      for (uint64_t p = lo; p < hi; ++p) dst[p - offset] = r.second[p - r.first];
    }
  }

 private:
  std::string name_ = "huge.npz";
  uint64_t size_;
  std::map<uint64_t, Bytes> regions_;
};

}  // namespace

TEST_CASE("zip: members, local extra fields of their own, a comment holding a fake end signature") {
  std::string comment = "made by hand; PK";
  comment += std::string("\x05\x06", 2) + " is not the end record";
  const Built b = build({{"a.bin", {1, 2, 3}, 0, 0, 0, 13}, {"dir/b.bin", {4, 5}, 0, 8, 0, 0}}, false, comment);
  qp::io::MemorySource src("t.zip", whole(b));
  const auto entries = qp::io::read_zip_directory(src);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "a.bin");
  CHECK(entries[0].compressed_size == 3);
  CHECK(entries[1].name == "dir/b.bin");
  CHECK(entries[1].method == 8);
  CHECK(qp::io::zip_data_offset(src, entries[0]) == b.data_offsets[0]);
  CHECK(b.data_offsets[0] == 30 + 5 + 13);
  CHECK(qp::io::zip_data_offset(src, entries[1]) == b.data_offsets[1]);
  CHECK(qp::io::zip_entry_problem(entries[0]).empty());
  CHECK(qp::io::zip_entry_problem(entries[1]).empty());
  CHECK(qp::io::find_zip_entry(entries, "dir/b.bin") == &entries[1]);
  CHECK(qp::io::find_zip_entry(entries, "b.bin") == nullptr);
}

TEST_CASE("zip: ZIP64 end records and extra fields replace the saturated 32-bit fields") {
  const Built b = build({{"x", {9, 9, 9, 9}, 0, 0, 0, 0}, {"y", {7}, 0, 0, 0, 0}}, true);
  qp::io::MemorySource src("t.zip", whole(b));
  const auto entries = qp::io::read_zip_directory(src);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].compressed_size == 4);
  CHECK(entries[0].uncompressed_size == 4);
  CHECK(entries[1].local_header_offset == 31 + 4);
  CHECK(qp::io::zip_data_offset(src, entries[1]) == b.data_offsets[1]);
}

TEST_CASE("zip: a 5 GiB npz is listed by reading only its directory and the member's header") {
  // One stored member holding a float32 .npy of 1.25 G elements; its data is never stored here.
  const uint64_t count = 1342177280ull;  // 5 GiB of float32
  const std::string shape = "(" + std::to_string(count) + ",)";
  const float zero = 0;
  Bytes npy = qp::io::encode_npy("<f4", {1}, &zero, 4);  // a 1-element file, re-headed below
  std::string header(npy.begin() + 10, npy.end() - 4);
  header.replace(header.find("(1,)"), 4, shape);
  header.resize(118, ' ');
  header.back() = '\n';
  Bytes head = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(head, header.size());
  append(head, header);
  REQUIRE(head.size() == 128);
  const Built b = build({{"w.npy", {}, head.size() + count * 4, 0, 0, 0}}, false);
  std::map<uint64_t, Bytes> regions = {{0, b.head}, {b.data_offsets[0], head}, {b.directory_at, b.tail}};
  auto src = std::make_shared<SparseSource>(b.directory_at + b.tail.size(), regions);
  const qp::io::Model m = qp::io::open_npz(src, nullptr);
  REQUIRE(m.tensors.size() == 1);
  CHECK(m.tensors[0].problem.empty());
  CHECK(m.tensors[0].shape == qp::Shape{static_cast<int64_t>(count)});
  CHECK(m.tensors[0].offset == b.data_offsets[0] + 128);
  CHECK(m.tensors[0].byte_size == count * 4);
  CHECK(src->size() > (5ull << 30));
  CHECK(src->bytes_read < 200 * 1024);  // the 64 KiB end-record search plus headers
}

TEST_CASE("zip: unusable archives are refused with the reason") {
  const Bytes good = whole(build({{"a", {1, 2}, 0, 0, 0, 0}}, false));
  CHECK(error_of({'P', 'K'}).find("too short") != std::string::npos);
  Bytes no_end = good;
  no_end.resize(no_end.size() - 22);
  CHECK(error_of(no_end).find("no end-of-central-directory record") != std::string::npos);

  Bytes lying_count = good;
  lying_count[lying_count.size() - 12] = 200;  // total entries (low byte)
  lying_count[lying_count.size() - 14] = 200;  // entries on this disk
  CHECK(error_of(lying_count).find("the entry count lies") != std::string::npos);

  Bytes dir_past_eof = good;
  dir_past_eof[dir_past_eof.size() - 4] = 0x7f;  // directory offset, high byte
  CHECK(error_of(dir_past_eof).find("is outside the file") != std::string::npos);

  // A count that fits the directory's size but not its entries.
  Bytes two = whole(build({{"a-long-name-to-make-room-for-a-second-entry-count-lie", {1}, 0, 0, 0, 0}}, false));
  two[two.size() - 12] = 2;
  two[two.size() - 14] = 2;
  CHECK(error_of(two).find("the entry count lies") != std::string::npos);

  Built sat = build({{"a", {1}, 0, 0, 0, 0}}, true);
  Bytes no_extra = whole(sat);
  // Rename the ZIP64 extra field's id so the saturated fields have nothing to replace them.
  const size_t extra_at = sat.head.size() + 46 + 1;
  no_extra[extra_at] = 0x99;
  CHECK(error_of(no_extra).find("no ZIP64 extra field") != std::string::npos);
}

TEST_CASE("zip: unsupported methods, encryption and local header mismatches are per-member problems") {
  qp::io::ZipEntry e;
  e.name = "m";
  e.method = 12;
  CHECK(qp::io::zip_entry_problem(e).find("method 12 (bzip2)") != std::string::npos);
  e.method = 8;
  e.flags = 1;
  CHECK(qp::io::zip_entry_problem(e).find("encrypted") != std::string::npos);
  e.flags = 0;
  e.method = 0;
  e.compressed_size = 3;
  e.uncompressed_size = 4;
  CHECK(qp::io::zip_entry_problem(e).find("sizes differ") != std::string::npos);

  Bytes z = whole(build({{"abc", {1, 2, 3}, 0, 0, 0, 0}}, false));
  z[30] = 'x';  // local name differs from the directory's
  qp::io::MemorySource src("t.zip", z);
  const auto entries = qp::io::read_zip_directory(src);
  CHECK_THROWS_WITH_AS(qp::io::zip_data_offset(src, entries[0]),
                       doctest::Contains("local header mismatch"), qp::Error);
}
