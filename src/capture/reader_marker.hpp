// Announces that this process reads the rings of a folder (agent/ring_format.hpp, kReaderMarkerPrefix): while
// the marker exists, agents leave their rings behind at exit for us to consume (and remove). Without it an
// exiting agent removes its own ring.
#pragma once

#include <string>

namespace lambdascope::capture {

class ReaderMarker {
 public:
  explicit ReaderMarker(const std::string& dir);  // creates <dir>/.reader-<pid>; best effort
  ~ReaderMarker();                                // removes it
  ReaderMarker(const ReaderMarker&) = delete;
  ReaderMarker& operator=(const ReaderMarker&) = delete;

 private:
  std::string path_;
};

}  // namespace lambdascope::capture
