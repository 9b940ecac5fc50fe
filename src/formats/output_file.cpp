#include "formats/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace lambdascope::formats {

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    file_ = stdout;
    return;
  }
  temp_path_ = path_ + ".tmp-XXXXXX";
  int fd = mkstemp(temp_path_.data());
  if (fd < 0) throw std::runtime_error(path_ + ": cannot create output: " + std::strerror(errno));
  file_ = fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw std::runtime_error(path_ + ": cannot open output: " + std::strerror(errno));
  }
  static_cast<void>(setvbuf(file_, nullptr, _IOFBF, 1 << 20));
}

OutputFile::~OutputFile() {
  if (file_ && file_ != stdout) {
    std::fclose(file_);
    if (!committed_) ::unlink(temp_path_.c_str());
  }
}

void OutputFile::write(std::string_view bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) failed_ = true;
}

void OutputFile::commit() {
  if (std::fflush(file_) != 0 || failed_ || std::ferror(file_))
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
  if (file_ == stdout) {
    committed_ = true;
    return;
  }
  // Match the permissions a plain open() would have given (mkstemp makes 0600).
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fileno(file_), 0666 & ~mask);
  if (std::fclose(file_) != 0) {
    file_ = nullptr;
    ::unlink(temp_path_.c_str());
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
  }
  file_ = nullptr;
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(temp_path_.c_str());
    throw std::runtime_error(path_ + ": cannot rename into place: " + std::strerror(e));
  }
  committed_ = true;
}

}  // namespace lambdascope::formats
