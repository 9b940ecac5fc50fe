#include "store/s3_errors.hpp"

#include <curl/curl.h>

#include <array>

namespace lambdascope::store {

bool s3_error_retryable(long status, std::string_view code) {
  static constexpr std::array<std::string_view, 13> kRetryableCodes = {
      "RequestTimeout",      "RequestTimeTooSkewed",      "SlowDown",
      "InternalError",       "ServiceUnavailable",        "Throttling",
      "ThrottlingException", "RequestLimitExceeded",      "OperationAborted",
      "BadDigest",           "XAmzContentSHA256Mismatch", "IncompleteBody",
      "TooManyRequests"};
  for (auto c : kRetryableCodes) {
    if (code == c) return true;
  }
  return status >= 500 || status == 429 || status == 408 || status == 307;
}

bool transport_error_retryable(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_NOT_BUILT_IN:
      return false;
    default:
      return true;
  }
}

}  // namespace lambdascope::store
