// LAMBDASCOPE_DESTINATION: "file:///abs/dir", a plain path, or "s3://bucket[/prefix]".
#pragma once

#include <memory>
#include <string>

#include "store/sink.hpp"

namespace lambdascope::store {

struct Destination {
  std::string scheme;  // "file" or "s3"
  std::string bucket;  // s3 only
  std::string path;    // file: the directory; s3: the key prefix (no leading or trailing '/')
};

// Throws std::invalid_argument with the text and what was expected.
Destination parse_destination(const std::string& text);

// Opens the sink for a destination (file: creates the directory). Throws StoreError or
// std::invalid_argument.
std::unique_ptr<Sink> open_sink(const Destination& destination);

}  // namespace lambdascope::store
