// Where an S3 client talks to and as whom: the bucket, the region, an optional S3-compatible endpoint
// (path-style addressing) and the credentials Lambda puts in the environment.
#pragma once

#include <string>

#include "store/sigv4.hpp"

namespace lambdascope::store {

struct S3Config {
  std::string bucket;
  std::string region = "us-east-1";
  // "http://127.0.0.1:4568": an S3-compatible server, addressed path-style (/bucket/key). Empty: AWS,
  // virtual-hosted (https://bucket.s3.region.amazonaws.com/key), or path-style for buckets with dots.
  std::string endpoint;
  sigv4::Credentials credentials;
  long connect_timeout_ms = 3000;
  long request_timeout_ms = 30000;  // whole request; a stalled upload is retried by the spool
};

// From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION) and
// LAMBDASCOPE_S3_ENDPOINT. Throws std::invalid_argument naming the bucket and the missing variable (never a
// value).
S3Config s3_config_from_environment(const std::string& bucket);

}  // namespace lambdascope::store
