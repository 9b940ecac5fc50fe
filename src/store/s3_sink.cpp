#include "store/s3_sink.hpp"

namespace lambdascope::store {

S3Sink::S3Sink(S3Config config, std::string prefix) : client_(std::move(config)), prefix_(std::move(prefix)) {
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  while (!prefix_.empty() && prefix_.front() == '/') prefix_.erase(prefix_.begin());
}

void S3Sink::put(const std::string& key, std::string_view body, const ObjectMetadata& metadata) {
  std::lock_guard lock(mutex_);
  client_.put_object(prefix_.empty() ? key : prefix_ + "/" + key, body, metadata);
}

std::string S3Sink::describe() const {
  std::string d = "s3://" + client_.config().bucket + (prefix_.empty() ? "" : "/" + prefix_);
  if (!client_.config().endpoint.empty()) d += " at " + client_.config().endpoint;
  return d;
}

}  // namespace lambdascope::store
