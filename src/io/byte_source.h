// Random access to the bytes of one file. Every parser reads through this interface and never
// needs the whole file in memory, so a checkpoint far larger than WebAssembly memory can be
// listed from its headers and analysed tensor by tensor. Natively a FILE*; in the browser the
// bindings wrap File.slice + FileReaderSync (inside the Worker); in Node fs.readSync.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qp::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The file's name as the user chose it (basename), used in every error message and to match
  // companion files (ONNX external data, safetensors shards).
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Copies exactly n bytes starting at `offset` into dst. Throws qp::Error naming the file when
  // the range is outside the file ("truncated"), or when the host cannot read.
  void read(uint64_t offset, size_t n, uint8_t* dst);
  std::vector<uint8_t> read_vector(uint64_t offset, size_t n);
  // Reads up to n bytes (fewer at the end of the file).
  std::vector<uint8_t> read_at_most(uint64_t offset, size_t n);

 protected:
  // Called with a range already checked to lie inside the file.
  virtual void read_checked(uint64_t offset, size_t n, uint8_t* dst) = 0;
};

// Bytes held in memory (tests, fuzzing, small files, decompressed zip members).
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string name, std::vector<uint8_t> bytes)
      : name_(std::move(name)), bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 protected:
  void read_checked(uint64_t offset, size_t n, uint8_t* dst) override;

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
};

// A file on disk (native builds and the wasm tests under NODERAWFS). Throws qp::Error when the
// file cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);

// Reads a whole source into memory; refuses sources larger than `limit` bytes with a message.
std::vector<uint8_t> read_all(ByteSource& source, uint64_t limit);

}  // namespace qp::io
