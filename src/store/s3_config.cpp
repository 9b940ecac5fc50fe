#include "store/s3_config.hpp"

#include <cstdlib>
#include <stdexcept>

namespace lambdascope::store {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

S3Config s3_config_from_environment(const std::string& bucket) {
  S3Config c;
  c.bucket = bucket;
  c.credentials.access_key_id = env("AWS_ACCESS_KEY_ID");
  c.credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  c.credentials.session_token = env("AWS_SESSION_TOKEN");
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
    if (env(name).empty()) {
      throw std::invalid_argument("s3://" + bucket + ": " + name +
                                  " is not set (credentials come from the environment, as Lambda sets them)");
    }
  }
  std::string region = env("AWS_REGION");
  if (region.empty()) region = env("AWS_DEFAULT_REGION");
  if (!region.empty()) c.region = region;
  c.endpoint = env("LAMBDASCOPE_S3_ENDPOINT");
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  if (!c.endpoint.empty() && c.endpoint.rfind("http://", 0) != 0 && c.endpoint.rfind("https://", 0) != 0) {
    throw std::invalid_argument("LAMBDASCOPE_S3_ENDPOINT '" + c.endpoint +
                                "': expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  return c;
}

}  // namespace lambdascope::store
