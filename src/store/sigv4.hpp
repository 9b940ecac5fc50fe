// AWS Signature Version 4: the canonical request, the string to sign and the signature, for requests signed
// in the Authorization header (what the S3 client sends) and for presigned URLs (query signing). Pure
// functions of their inputs (the time is a parameter), so the AWS test suite checks every step. Never logs:
// the secret key only enters the HMAC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambdascope::store::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys (Lambda always sets one)
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;          // "GET", "PUT", ...
  std::string path;            // decoded (raw bytes), starting with '/'; encoded here, once (S3's rule)
  Pairs query;                 // decoded names and values, in any order
  Pairs headers;               // as sent; names in any case, repeated names allowed; must include Host
  std::string payload_sha256;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Options {
  std::string region;
  std::string service;    // "s3"
  int64_t unix_time = 0;  // seconds
  // Remove "." and ".." segments and empty segments (the default for AWS services; S3 keys are taken
  // literally, so the S3 client turns it off).
  bool normalize_path = true;
  // Header signing: add and sign x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256_header = false;
  // Sign without the session token and add it afterwards (the test suite's "omit_session_token": some
  // services, e.g. IoT, want it unsigned).
  bool omit_session_token = false;
  int64_t expires_seconds = 3600;  // query signing only
};

// Every intermediate value, for tests and debugging (none holds the secret key).
struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  // Header signing: the headers to add to the request (X-Amz-Date, X-Amz-Security-Token,
  // x-amz-content-sha256 when asked, Authorization). Query signing: the query parameters to add, in the
  // order they are sent (X-Amz-Signature last).
  Pairs added;
};

Signed sign_headers(const Request& request, const Credentials& credentials, const Options& options);
Signed presign_query(const Request& request, const Credentials& credentials, const Options& options);

// Percent-encoding with SigV4's unreserved set (A-Z a-z 0-9 - . _ ~); '/' kept when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);
// "20150830T123600Z"
std::string amz_date(int64_t unix_time);

// Digests used around signing (OpenSSL).
std::string sha256_hex(std::string_view data);
std::string md5_base64(std::string_view data);  // the Content-MD5 header's value

}  // namespace lambdascope::store::sigv4
