// Where a finished profile goes. One object per profile, written whole or not at all; implementations: a
// local directory (directory_sink) and S3-compatible storage (s3_sink).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lambdascope::store {

// A failed write, with what a user needs to act on it (destination, key, the server's error code). A
// retryable failure (network, 5xx, throttling) may succeed later; a permanent one (access denied, no
// such bucket) will not.
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, bool retryable)
      : std::runtime_error(message), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

// Object metadata (S3 x-amz-meta-*): function, request_id, phase, duration_ms.
using ObjectMetadata = std::map<std::string, std::string>;

class Sink {
 public:
  virtual ~Sink() = default;
  // Stores `body` under `key` (relative to the sink's prefix, as object_key() builds it with an empty
  // prefix). Throws StoreError.
  virtual void put(const std::string& key, std::string_view body, const ObjectMetadata& metadata) = 0;
  // "file:///tmp/lambdascope", "s3://bucket/prefix": for log lines (never credentials).
  virtual std::string describe() const = 0;
};

}  // namespace lambdascope::store
