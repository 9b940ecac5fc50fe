// A small S3 client over libcurl: PutObject, GetObject and one ListObjectsV2 page, each signed with SigV4.
// One client is one reused curl handle, so consecutive requests ride the same kept-alive connection; it is
// not thread-safe (readers give each worker its own). Every failure is a StoreError that names the bucket,
// the key and the S3 error code, and says whether a retry may help; credentials never appear in it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/s3_config.hpp"
#include "store/s3_xml.hpp"
#include "store/sink.hpp"

namespace lambdascope::store {

struct ListRequest {
  std::string prefix;
  std::string start_after;
  std::string continuation_token;
  std::string delimiter;
  int max_keys = 1000;
};

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends Content-MD5 and the body's SHA-256 (signed), so S3 rejects a body damaged in transit;
  // `metadata` becomes x-amz-meta-* headers (names lowercased, '_' as '-').
  void put_object(const std::string& key, std::string_view body, const ObjectMetadata& metadata);
  std::string get_object(const std::string& key);
  ListPage list_objects_v2(const ListRequest& request);

  const S3Config& config() const { return config_; }
  // New TCP connections opened so far (keep-alive makes this 1 for a run of requests to one server).
  int64_t connections_opened() const { return connections_opened_; }

 private:
  struct Response;
  Response perform(const std::string& method, const std::string& key, const sigv4::Pairs& query,
                   sigv4::Pairs headers, std::string_view body);
  [[noreturn]] void fail(const std::string& method, const std::string& key, const Response& response);

  S3Config config_;
  std::string scheme_host_;  // "https://bucket.s3.eu-west-1.amazonaws.com"
  std::string host_;         // the Host header
  std::string path_prefix_;  // "/bucket" for path-style, "" for virtual-hosted
  void* curl_ = nullptr;     // CURL*
  int64_t connections_opened_ = 0;
  int64_t clock_offset_s_ = 0;  // server time minus ours, learnt from RequestTimeTooSkewed
};

}  // namespace lambdascope::store
