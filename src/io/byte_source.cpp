#include "io/byte_source.h"

#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace qp::io {

void ByteSource::read(uint64_t offset, size_t n, uint8_t* dst) {
  const uint64_t total = size();
  // Written so that offset + n cannot overflow.
  if (offset > total || n > total - offset) {
    throw Error(name() + ": file is truncated: needs bytes " + std::to_string(offset) + ".." +
                std::to_string(offset + static_cast<uint64_t>(n)) + " but it has " +
                std::to_string(total) + " bytes");
  }
  if (n != 0) read_checked(offset, n, dst);
}

std::vector<uint8_t> ByteSource::read_vector(uint64_t offset, size_t n) {
  // Check the range before allocating, so a lying header cannot request a huge buffer.
  const uint64_t total = size();
  if (offset > total || n > total - offset) {
    uint8_t dummy = 0;
    read(offset, n, &dummy);  // throws the truncation message
  }
  std::vector<uint8_t> out(n);
  read(offset, n, out.data());
  return out;
}

std::vector<uint8_t> ByteSource::read_at_most(uint64_t offset, size_t n) {
  const uint64_t total = size();
  if (offset >= total) return {};
  const uint64_t available = total - offset;
  return read_vector(offset, static_cast<size_t>(available < n ? available : n));
}

void MemorySource::read_checked(uint64_t offset, size_t n, uint8_t* dst) {
  std::memcpy(dst, bytes_.data() + offset, n);
}

namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(std::string path, std::FILE* f, uint64_t size)
      : name_(basename_of(path)), file_(f), size_(size) {}
  ~FileSource() override { std::fclose(file_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override {
    if (fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0 ||
        std::fread(dst, 1, n, file_) != n) {
      throw Error(name_ + ": read error at byte " + std::to_string(offset));
    }
  }

 private:
  static std::string basename_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }
  std::string name_;
  std::FILE* file_;
  uint64_t size_;
};

}  // namespace

std::unique_ptr<ByteSource> open_file_source(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open file");
  if (fseeko(f, 0, SEEK_END) != 0) {
    std::fclose(f);
    throw Error(path + ": cannot seek (not a regular file?)");
  }
  const off_t end = ftello(f);
  if (end < 0) {
    std::fclose(f);
    throw Error(path + ": cannot tell the file size");
  }
  return std::make_unique<FileSource>(path, f, static_cast<uint64_t>(end));
}

std::vector<uint8_t> read_all(ByteSource& source, uint64_t limit) {
  if (source.size() > limit) {
    throw Error(source.name() + ": " + std::to_string(source.size()) +
                " bytes is more than this reader accepts (" + std::to_string(limit) + ")");
  }
  return source.read_vector(0, static_cast<size_t>(source.size()));
}

}  // namespace qp::io
