#include "store/destination.hpp"

#include <stdexcept>

#include "store/directory_sink.hpp"
#include "store/s3_sink.hpp"

namespace lambdascope::store {

Destination parse_destination(const std::string& text) {
  Destination d;
  auto trim_slashes = [](std::string s) {
    while (!s.empty() && s.front() == '/') s.erase(s.begin());
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
  };
  if (text.rfind("s3://", 0) == 0) {
    std::string rest = text.substr(5);
    size_t slash = rest.find('/');
    d.scheme = "s3";
    d.bucket = rest.substr(0, slash);
    d.path = slash == std::string::npos ? "" : trim_slashes(rest.substr(slash + 1));
    if (d.bucket.empty()) {
      throw std::invalid_argument("destination '" + text + "': expected s3://BUCKET[/PREFIX]");
    }
    return d;
  }
  if (text.rfind("file://", 0) == 0) {
    d.scheme = "file";
    d.path = text.substr(7);
    if (d.path.empty() || d.path.front() != '/') {
      throw std::invalid_argument("destination '" + text + "': expected file:///ABSOLUTE/DIR");
    }
    return d;
  }
  if (text.find("://") != std::string::npos) {
    throw std::invalid_argument("destination '" + text +
                                "': expected file:///DIR, a directory or s3://BUCKET/PREFIX");
  }
  if (text.empty())
    throw std::invalid_argument("destination is empty: expected file:///DIR or s3://BUCKET/PREFIX");
  d.scheme = "file";
  d.path = text;
  return d;
}

std::unique_ptr<Sink> open_sink(const Destination& destination) {
  if (destination.scheme == "file") return std::make_unique<DirectorySink>(destination.path);
  if (destination.scheme == "s3") {
    return std::make_unique<S3Sink>(s3_config_from_environment(destination.bucket), destination.path);
  }
  throw std::invalid_argument("destination scheme '" + destination.scheme + "' is not supported");
}

}  // namespace lambdascope::store
