#include "capture/reader_marker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "agent/ring_format.hpp"

namespace lambdascope::capture {

ReaderMarker::ReaderMarker(const std::string& dir)
    : path_(dir + "/" + agent::ring::kReaderMarkerPrefix + std::to_string(::getpid())) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

ReaderMarker::~ReaderMarker() {
  ::unlink(path_.c_str());
}

}  // namespace lambdascope::capture
