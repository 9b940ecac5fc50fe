// A zip archive built in memory: the format Lambda takes layers in. Entries are deflated (libdeflate, raw
// DEFLATE), carry Unix permissions in the central directory (unzip and Lambda restore them, so executables
// stay executable) and one fixed timestamp, so the same inputs give the same bytes (and the same layer
// CodeSha256). No zip64: an archive over 4 GiB, or more than 65,535 entries, is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::lambda::layer {

class ZipWriter {
 public:
  // `name` is the path inside the archive ("lambdascope/bin/lambdascope"): relative, '/'-separated, no ".."
  // (throws std::invalid_argument otherwise, or when the name was already added). `mode` is the permission
  // bits (0755, 0644).
  void add_file(std::string_view name, std::string_view bytes, uint32_t mode);
  // A directory entry ("lambdascope/bin/"); the trailing '/' is added when missing.
  void add_directory(std::string_view name, uint32_t mode = 0755);
  // The whole archive; the writer is empty afterwards. Throws std::length_error past zip's 32-bit limits.
  std::string finish();

  size_t entries() const { return central_.size(); }

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0, compressed = 0, size = 0, offset = 0, external_attributes = 0;
    uint16_t method = 0;
  };
  void add(std::string_view name, std::string_view bytes, uint32_t unix_mode);
  static void put_entry_fields(std::string& out, const Entry& e);

  std::string out_;
  std::vector<Entry> central_;
};

}  // namespace lambdascope::lambda::layer
