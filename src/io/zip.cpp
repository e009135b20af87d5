#include "io/zip.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace qp::io {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr size_t kEndSize = 22;           // fixed part of the end record (comment follows)
constexpr size_t kEnd64LocatorSize = 20;
constexpr size_t kEnd64Size = 56;         // fixed part of the ZIP64 end record
constexpr size_t kCentralSize = 46;       // fixed part of a central entry
constexpr size_t kLocalSize = 30;         // fixed part of a local header
constexpr uint64_t kMaxComment = 0xffff;
// The directory is read whole: 64 MiB holds ~1M entries, far beyond any checkpoint's.
constexpr uint64_t kMaxDirectoryBytes = 64ull << 20;

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t u64(const uint8_t* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

[[noreturn]] void fail(const ByteSource& file, const std::string& what) {
  throw Error(file.name() + ": not a valid zip archive: " + what);
}

struct DirectoryLocation {
  uint64_t entries = 0;
  uint64_t size = 0;
  uint64_t offset = 0;
  uint64_t end_record = 0;  // where the (first) end record starts: the directory must end before
};

// Searches the tail of the file backwards for the end record. A comment of up to 64 KiB may
// follow it; prefer a candidate whose comment ends exactly at the end of the file, so that a
// comment containing the signature bytes does not fool us.
DirectoryLocation find_end_record(ByteSource& file) {
  const uint64_t size = file.size();
  if (size < kEndSize) fail(file, "the file is too short (" + std::to_string(size) + " bytes)");
  const uint64_t tail_len = std::min<uint64_t>(size, kEndSize + kMaxComment);
  const uint64_t tail_start = size - tail_len;
  const std::vector<uint8_t> tail = file.read_vector(tail_start, static_cast<size_t>(tail_len));
  size_t found = SIZE_MAX, loose = SIZE_MAX;
  for (size_t i = tail.size() - kEndSize + 1; i-- > 0;) {
    if (u32(&tail[i]) != kEndSig) continue;
    const size_t comment = u16(&tail[i + 20]);
    if (i + kEndSize + comment == tail.size()) { found = i; break; }
    if (loose == SIZE_MAX && i + kEndSize + comment <= tail.size()) loose = i;
  }
  if (found == SIZE_MAX) found = loose;
  if (found == SIZE_MAX) fail(file, "no end-of-central-directory record (truncated or not a zip file)");

  const uint8_t* e = &tail[found];
  DirectoryLocation loc;
  loc.end_record = tail_start + found;
  loc.entries = u16(e + 10);
  loc.size = u32(e + 12);
  loc.offset = u32(e + 16);
  if (u16(e + 4) != 0 || u16(e + 6) != 0 || u16(e + 8) != u16(e + 10))
    fail(file, "multi-disk (split) archives are not supported");

  // ZIP64: a locator sits just before the end record and points at the ZIP64 end record.
  if (loc.end_record >= kEnd64LocatorSize) {
    uint8_t locator[kEnd64LocatorSize];
    file.read(loc.end_record - kEnd64LocatorSize, kEnd64LocatorSize, locator);
    if (u32(locator) == kEnd64LocatorSig) {
      const uint64_t at = u64(locator + 8);
      if (at > loc.end_record - kEnd64LocatorSize || loc.end_record - kEnd64LocatorSize - at < kEnd64Size)
        fail(file, "the ZIP64 end record offset " + std::to_string(at) + " is outside the file");
      uint8_t rec[kEnd64Size];
      file.read(at, kEnd64Size, rec);
      if (u32(rec) != kEnd64Sig) fail(file, "bad ZIP64 end record signature");
      loc.entries = u64(rec + 32);
      loc.size = u64(rec + 40);
      loc.offset = u64(rec + 48);
      loc.end_record = at;
    }
  }
  if (loc.offset > loc.end_record || loc.size > loc.end_record - loc.offset) {
    fail(file, "the central directory (bytes " + std::to_string(loc.offset) + ".." +
                   std::to_string(loc.offset + loc.size) + ") is outside the file (" +
                   std::to_string(size) + " bytes; truncated?)");
  }
  if (loc.size > kMaxDirectoryBytes)
    fail(file, "the central directory is " + std::to_string(loc.size) + " bytes, more than we accept");
  if (loc.entries > loc.size / kCentralSize) {
    fail(file, "the entry count lies: " + std::to_string(loc.entries) + " entries cannot fit in a " +
                   std::to_string(loc.size) + "-byte central directory");
  }
  return loc;
}

// Replaces the 32-bit fields saturated at 0xffffffff with the values of the ZIP64 extra field
// (id 0x0001), which holds only those fields, in this order.
void apply_zip64_extra(const ByteSource& file, const uint8_t* extra, size_t len, bool need_usize,
                       bool need_csize, bool need_offset, ZipEntry& e) {
  size_t pos = 0;
  while (pos + 4 <= len) {
    const uint16_t id = u16(extra + pos);
    const size_t sz = u16(extra + pos + 2);
    if (pos + 4 + sz > len) break;  // a sloppy trailing field: ignore, as most readers do
    if (id == 0x0001) {
      const uint8_t* f = extra + pos + 4;
      size_t at = 0;
      auto take = [&](uint64_t& out) {
        if (at + 8 > sz) fail(file, "the ZIP64 extra field of '" + e.name + "' is too short");
        out = u64(f + at);
        at += 8;
      };
      if (need_usize) take(e.uncompressed_size);
      if (need_csize) take(e.compressed_size);
      if (need_offset) take(e.local_header_offset);
      return;
    }
    pos += 4 + sz;
  }
  if (need_usize || need_csize || need_offset)
    fail(file, "'" + e.name + "' has saturated 32-bit sizes but no ZIP64 extra field");
}

const char* method_name(uint16_t method) {
  switch (method) {
    case 1: return "shrink";
    case 6: return "implode";
    case 9: return "deflate64";
    case 12: return "bzip2";
    case 14: return "lzma";
    case 93: return "zstandard";
    case 95: return "xz";
    case 99: return "AES encryption";
    default: return "unknown";
  }
}

}  // namespace

std::vector<ZipEntry> read_zip_directory(ByteSource& file) {
  const DirectoryLocation loc = find_end_record(file);
  const std::vector<uint8_t> dir = file.read_vector(loc.offset, static_cast<size_t>(loc.size));
  std::vector<ZipEntry> entries;
  entries.reserve(static_cast<size_t>(loc.entries));
  size_t pos = 0;
  for (uint64_t i = 0; i < loc.entries; ++i) {
    if (dir.size() - pos < kCentralSize) {
      fail(file, "the entry count lies: the central directory ends after " + std::to_string(i) +
                     " of " + std::to_string(loc.entries) + " entries");
    }
    const uint8_t* c = &dir[pos];
    if (u32(c) != kCentralSig) {
      fail(file, "bad central directory entry signature at entry " + std::to_string(i) +
                     " (the entry count lies or the directory is corrupt)");
    }
    const size_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
    if (dir.size() - pos - kCentralSize < name_len + extra_len + comment_len)
      fail(file, "central directory entry " + std::to_string(i) + " runs past the directory");
    ZipEntry e;
    e.flags = u16(c + 8);
    e.method = u16(c + 10);
    e.crc32 = u32(c + 16);
    e.compressed_size = u32(c + 20);
    e.uncompressed_size = u32(c + 24);
    e.local_header_offset = u32(c + 42);
    e.name.assign(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    constexpr uint32_t kSat = 0xffffffff;
    apply_zip64_extra(file, c + kCentralSize + name_len, extra_len, e.uncompressed_size == kSat,
                      e.compressed_size == kSat, e.local_header_offset == kSat, e);
    if (e.local_header_offset >= loc.offset) {
      fail(file, "'" + e.name + "' claims its local header at byte " +
                     std::to_string(e.local_header_offset) + ", past the start of the central directory");
    }
    entries.push_back(std::move(e));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
  return entries;
}

std::string zip_entry_problem(const ZipEntry& e) {
  if (e.flags & 1) return "zip member '" + e.name + "' is encrypted, which is not supported";
  if (e.method != 0 && e.method != 8) {
    return "zip member '" + e.name + "' uses compression method " + std::to_string(e.method) + " (" +
           method_name(e.method) + "), which is not supported (only stored and deflate)";
  }
  if (e.method == 0 && e.compressed_size != e.uncompressed_size)
    return "zip member '" + e.name + "' is stored but its two sizes differ";
  return {};
}

uint64_t zip_data_offset(ByteSource& file, const ZipEntry& e) {
  const uint64_t size = file.size();
  const std::string where = "zip member '" + e.name + "': ";
  if (e.local_header_offset > size || size - e.local_header_offset < kLocalSize) {
    throw Error(where + "local header at byte " +
                std::to_string(e.local_header_offset) + " is outside the file (truncated?)");
  }
  uint8_t h[kLocalSize];
  file.read(e.local_header_offset, kLocalSize, h);
  if (u32(h) != kLocalHeaderSig) throw Error(where + "local header mismatch (bad signature)");
  const size_t name_len = u16(h + 26), extra_len = u16(h + 28);
  const uint64_t name_at = e.local_header_offset + kLocalSize;
  if (name_len != e.name.size() || file.read_vector(name_at, name_len) !=
      std::vector<uint8_t>(e.name.begin(), e.name.end())) {
    throw Error(where + "local header mismatch (its name differs from the central directory's)");
  }
  if (u16(h + 8) != e.method) throw Error(where + "local header mismatch (compression method differs)");
  const uint64_t data = name_at + name_len + extra_len;
  if (data > size || e.compressed_size > size - data) {
    throw Error(where + "data (bytes " + std::to_string(data) + ".." +
                std::to_string(data + e.compressed_size) + ") runs past the end of the file (" +
                std::to_string(size) + " bytes; truncated?)");
  }
  return data;
}

const ZipEntry* find_zip_entry(const std::vector<ZipEntry>& entries, const std::string& name) {
  for (const ZipEntry& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace qp::io
