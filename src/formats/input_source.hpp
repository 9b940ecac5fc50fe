// A readable input: a file, stdin ("-") or memory, with gzip (also multi-member) decompressed transparently,
// detected by its magic bytes rather than the file name. Readers pull bytes from it in blocks (streaming) or
// all at once (formats that need the whole document, like JSON and protobuf).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lambdascope::formats {

class InputSource {
 public:
  // Throws ParseError when the file cannot be opened.
  static std::unique_ptr<InputSource> open(const std::string& path);
  static std::unique_ptr<InputSource> from_memory(std::string name, std::string data);
  virtual ~InputSource();

  const std::string& name() const { return name_; }
  bool gzipped() const { return gzipped_; }

  // Reads up to `n` decompressed bytes; returns 0 at the end. Throws ParseError on a corrupt or truncated
  // gzip stream or a read error.
  size_t read(char* buf, size_t n);
  // The first bytes (up to n, fewer at the end of input) without consuming them; for format sniffing.
  std::string_view peek(size_t n);
  // Everything not yet read.
  std::string read_all();
  // Decompressed bytes handed out so far.
  uint64_t position() const { return position_; }

 private:
  InputSource() = default;
  size_t read_raw(char* buf, size_t n);
  size_t read_decompressed(char* buf, size_t n);
  void detect_gzip();

  std::string name_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string memory_;
  size_t memory_pos_ = 0;
  bool from_memory_ = false;
  bool gzipped_ = false;
  bool detected_ = false;
  struct Inflate;
  std::unique_ptr<Inflate> inflate_;
  std::string peeked_;       // decompressed bytes read ahead by peek()
  std::string raw_pending_;  // raw bytes read ahead while detecting gzip
  uint64_t position_ = 0;
  uint64_t compressed_pos_ = 0;
};

}  // namespace lambdascope::formats
