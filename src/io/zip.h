// Zip archives (.npz, torch.save's .pt/.pth) read through their central directory only, so a
// multi-GB archive is listed by reading its last bytes and one local header per member.
// Spec: PKWARE APPNOTE.TXT 6.3 (sections 4.3.7 local header, 4.3.12 central directory,
// 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extra field).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.h"

namespace qp::io {

struct ZipEntry {
  std::string name;             // as stored (UTF-8 or CP437; we never re-encode)
  uint16_t method = 0;          // 0 stored, 8 deflate, anything else unsupported
  uint16_t flags = 0;           // general purpose bit flag; bit 0 = encrypted
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

// Reads the end-of-central-directory record (ZIP64 when present) and every central entry.
// Throws qp::Error naming the file when the archive structure is unusable (no end record,
// directory outside the file, entry count that the directory cannot hold, bad signatures).
std::vector<ZipEntry> read_zip_directory(ByteSource& file);

// Empty when the member can be read (stored or deflate, not encrypted), else why not.
std::string zip_entry_problem(const ZipEntry& entry);

// Absolute offset of the member's data, found from its local header (whose name and extra field
// lengths may differ from the central entry's). Throws qp::Error ("zip member '<name>': ...",
// without the file name, since callers often turn it into a tensor's problem) when the local
// header is missing or disagrees with the directory, or when the data would run past the end of
// the file.
uint64_t zip_data_offset(ByteSource& file, const ZipEntry& entry);

// The first entry whose name is exactly `name`, or nullptr.
const ZipEntry* find_zip_entry(const std::vector<ZipEntry>& entries, const std::string& name);

}  // namespace qp::io
