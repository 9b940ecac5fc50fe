// An output that appears whole or not at all: writes go to a temporary file beside the target, commit()
// renames it into place, and destruction without commit() removes it, so a failed conversion leaves nothing
// behind.
// "-" writes to stdout directly.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace lambdascope::formats {

class OutputFile {
 public:
  explicit OutputFile(std::string path);  // throws std::runtime_error naming the path
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);
  void write(const void* data, size_t size) { write(std::string_view(static_cast<const char*>(data), size)); }
  void commit();  // throws std::runtime_error on a write or rename failure
  const std::string& path() const { return path_; }
  FILE* stream() { return file_; }

 private:
  std::string path_;
  std::string temp_path_;
  FILE* file_ = nullptr;
  bool committed_ = false;
  bool failed_ = false;
};

}  // namespace lambdascope::formats
