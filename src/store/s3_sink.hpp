// The S3 sink: each profile is one PutObject under s3://bucket/prefix/<key>. Errors are StoreErrors that
// say whether a retry may help; retrying, backing off and spooling are the spool's job, not this class's.
#pragma once

#include <mutex>
#include <string>

#include "store/s3_client.hpp"
#include "store/sink.hpp"

namespace lambdascope::store {

class S3Sink : public Sink {
 public:
  S3Sink(S3Config config, std::string prefix);  // prefix without leading or trailing '/'
  void put(const std::string& key, std::string_view body, const ObjectMetadata& metadata) override;
  std::string describe() const override;
  int64_t connections_opened() const { return client_.connections_opened(); }

 private:
  std::mutex mutex_;  // one curl handle: one request at a time
  S3Client client_;
  std::string prefix_;
};

}  // namespace lambdascope::store
