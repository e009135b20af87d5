// np.savez writes each array as a stored "<name>.npy" member; np.savez_compressed deflates them.
// Stored members are read in place like a lone .npy; deflated ones are listed from their first
// inflated bytes (the .npy header) and inflated whole only when the tensor is read.
#include "io/npz.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "io/npy.h"
#include "io/zip.h"

namespace qp::io {

namespace {

// numpy caps .npy headers far below this; the prefix we read or inflate to find one.
constexpr size_t kMaxNpyHeader = 1 << 20;
constexpr size_t kSmallNpyHeader = 4096;
// DEFLATE cannot expand a stream by more than ~1032:1; a member claiming more lies about its size.
constexpr uint64_t kMaxDeflateRatio = 1032;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Same mapping as open_npy (model_open.cpp); parse_npy_header has already validated kind/size.
DType npy_dtype(const NpyHeader& h) {
  switch (h.kind) {
    case 'f': return h.item_size == 2 ? DType::F16 : h.item_size == 4 ? DType::F32 : DType::F64;
    case 'i': return h.item_size == 1 ? DType::I8 : h.item_size == 2 ? DType::I16
                   : h.item_size == 4 ? DType::I32 : DType::I64;
    case 'u': return h.item_size == 1 ? DType::U8 : h.item_size == 2 ? DType::U16
                   : h.item_size == 4 ? DType::U32 : DType::U64;
    default: return DType::Bool;
  }
}

// Fills name-independent fields from the member's .npy header; `member_size` is the size of the
// whole (uncompressed) .npy file, which must hold the header's data.
void apply_header(const NpyHeader& h, uint64_t member_size, TensorEntry& t) {
  t.stored_type = h.descr;
  t.shape = h.shape;
  t.dtype = npy_dtype(h);
  t.big_endian = h.big_endian;
  if (h.fortran_order && h.shape.size() > 1) {  // the first axis varies fastest
    t.strides.assign(h.shape.size(), 1);
    for (size_t d = 1; d < h.shape.size(); ++d) t.strides[d] = t.strides[d - 1] * h.shape[d - 1];
  }
  if (h.data_offset > member_size || h.data_bytes > member_size - h.data_offset) {
    throw Error("the member is " + std::to_string(member_size) + " bytes but its .npy header needs " +
                std::to_string(static_cast<uint64_t>(h.data_offset) + h.data_bytes));
  }
}

void list_stored(ByteSource& file, const ZipEntry& z, TensorEntry& t) {
  const uint64_t data = zip_data_offset(file, z);
  // Headers are almost always under 4 KiB; read more only when this one is not.
  const size_t small = static_cast<size_t>(std::min<uint64_t>(z.compressed_size, kSmallNpyHeader));
  const size_t large = static_cast<size_t>(std::min<uint64_t>(z.compressed_size, kMaxNpyHeader));
  std::vector<uint8_t> head = file.read_vector(data, small);
  NpyHeader h;
  try {
    h = parse_npy_header(head.data(), head.size(), /*require_data=*/false);
  } catch (const Error&) {
    if (large == small) throw;
    head = file.read_vector(data, large);
    h = parse_npy_header(head.data(), head.size(), /*require_data=*/false);
  }
  apply_header(h, z.uncompressed_size, t);
  t.offset = data + h.data_offset;
  t.byte_size = h.data_bytes;
}

void list_deflated(ByteSource& file, const ZipEntry& z, Inflater* inflater, TensorEntry& t) {
  if (!inflater) throw Error("no DEFLATE decompressor is available in this build");
  const uint64_t data = zip_data_offset(file, z);
  if (z.uncompressed_size > kMaxDeflateRatio * z.compressed_size + 64) {
    throw Error("the zip directory claims " + std::to_string(z.compressed_size) + " compressed bytes inflate to " +
                std::to_string(z.uncompressed_size) + ", more than DEFLATE can expand");
  }
  if (z.compressed_size > std::numeric_limits<size_t>::max() ||
      z.uncompressed_size > std::numeric_limits<size_t>::max()) {
    throw Error("the member is too large to decompress in this build");
  }
  // Inflates the first `max_header` bytes of the member; a header of h bytes needs at most ~h
  // compressed bytes plus block overhead.
  auto inflate_head = [&](size_t max_header) {
    const size_t in = static_cast<size_t>(std::min<uint64_t>(z.compressed_size, max_header + 4096));
    const std::vector<uint8_t> packed = file.read_vector(data, in);
    const size_t want = static_cast<size_t>(std::min<uint64_t>(z.uncompressed_size, max_header));
    return inflater->inflate_raw(packed.data(), packed.size(), want);
  };
  std::vector<uint8_t> head = inflate_head(kSmallNpyHeader);
  NpyHeader h;
  try {
    h = parse_npy_header(head.data(), head.size(), /*require_data=*/false);
  } catch (const Error&) {
    if (z.uncompressed_size <= kSmallNpyHeader) throw;
    head = inflate_head(kMaxNpyHeader);
    h = parse_npy_header(head.data(), head.size(), /*require_data=*/false);
  }
  apply_header(h, z.uncompressed_size, t);
  t.encoding = Encoding::DeflatedNpy;
  t.offset = data;
  t.byte_size = z.compressed_size;
  t.uncompressed_size = z.uncompressed_size;
}

}  // namespace

Model open_npz(std::shared_ptr<ByteSource> file, Inflater* inflater) {
  Model m;
  m.format = "npz";
  const std::vector<ZipEntry> entries = read_zip_directory(*file);
  m.files.push_back(file);
  for (const ZipEntry& z : entries) {
    if (ends_with(z.name, "/")) continue;  // a directory entry
    if (!ends_with(z.name, ".npy")) {
      m.warnings.push_back("member '" + z.name + "' is not a .npy array and is not listed");
      continue;
    }
    TensorEntry t;
    t.name = z.name.substr(0, z.name.size() - 4);
    t.problem = zip_entry_problem(z);
    if (t.problem.empty()) {
      try {
        if (z.method == 0) list_stored(*file, z, t);
        else list_deflated(*file, z, inflater, t);
        t.problem = check_entry(m, t);
      } catch (const Error& e) {
        // One broken member does not hide the others; the entry says why it cannot be read.
        t.problem = e.what();
      }
    }
    if (t.stored_type.empty()) t.dtype = DType::Unsupported;  // header never parsed
    m.tensors.push_back(std::move(t));
  }
  return m;
}

}  // namespace qp::io
