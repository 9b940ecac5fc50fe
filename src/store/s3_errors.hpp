// Which S3 failures may succeed later. The spool retries retryable ones with backoff and keeps the profile;
// a permanent one (wrong credentials, no such bucket) is reported and not retried forever.
#pragma once

#include <string_view>

namespace lambdascope::store {

// `status`: the HTTP status; `code`: the S3 error code from the body (may be empty, e.g. for HEAD).
// Retryable: 5xx, 429, 408, throttling (SlowDown), RequestTimeout, RequestTimeTooSkewed (the client
// corrects its clock), and a body damaged in transit (BadDigest, XAmzContentSHA256Mismatch, IncompleteBody).
// Permanent: everything else, e.g. 403 AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, 404
// NoSuchBucket, 301 PermanentRedirect (wrong region).
bool s3_error_retryable(long status, std::string_view code);

// A libcurl result code (CURLcode): connection refused, reset, timeouts and DNS failures are retryable; a
// malformed URL, an unsupported protocol or a certificate that does not verify are not.
bool transport_error_retryable(int curl_code);

}  // namespace lambdascope::store
