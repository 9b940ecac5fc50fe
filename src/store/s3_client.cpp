#include "store/s3_client.hpp"

#include <curl/curl.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "store/s3_errors.hpp"

namespace lambdascope::store {
namespace {

// The CA bundle of the machine we run on, which is not always the one libcurl was built for: the layer
// carries Debian's libcurl (default /etc/ssl/certs/ca-certificates.crt) to Amazon Linux 2023, whose bundle
// is /etc/pki/tls/certs/ca-bundle.crt. SSL_CERT_FILE wins, as with OpenSSL itself.
const char* ca_bundle() {
  static const std::string path = [] {
    if (const char* env = std::getenv("SSL_CERT_FILE"); env && *env) return std::string(env);
    for (const char* candidate : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                  "/etc/ssl/cert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"}) {
      if (::access(candidate, R_OK) == 0) return std::string(candidate);
    }
    return std::string();
  }();
  return path.empty() ? nullptr : path.c_str();
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Metadata travels as HTTP header values: keep printable ASCII, replace the rest.
std::string header_safe(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

struct S3Client::Response {
  // Header lines of the last response, for Date (clock skew) and x-amz-request-id (error messages).
  struct HeaderCapture {
    std::string date;
    std::string request_id;
    static size_t on_line(char* data, size_t size, size_t n, void* self_ptr) {
      auto* self = static_cast<HeaderCapture*>(self_ptr);
      std::string_view line(data, size * n);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name = lower_ascii(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
          value.remove_suffix(1);
        }
        if (name == "date") self->date = value;
        if (name == "x-amz-request-id") self->request_id = value;
      }
      return size * n;
    }
  };

  long status = 0;
  std::string body;
  HeaderCapture headers;
};

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  global_init();
  curl_ = curl_easy_init();
  if (!curl_) throw StoreError("s3://" + config_.bucket + ": cannot initialise libcurl", false);
  if (!config_.endpoint.empty()) {
    size_t authority = config_.endpoint.find("://");
    authority = authority == std::string::npos ? 0 : authority + 3;
    size_t path = config_.endpoint.find('/', authority);
    scheme_host_ = config_.endpoint.substr(0, path);
    host_ = config_.endpoint.substr(authority, path == std::string::npos ? path : path - authority);
    std::string base = path == std::string::npos ? "" : config_.endpoint.substr(path);
    while (!base.empty() && base.back() == '/') base.pop_back();
    path_prefix_ = base + "/" + config_.bucket;
  } else if (config_.bucket.find('.') != std::string::npos) {
    // Dotted names do not match the wildcard certificate of virtual-hosted addresses.
    host_ = "s3." + config_.region + ".amazonaws.com";
    scheme_host_ = "https://" + host_;
    path_prefix_ = "/" + config_.bucket;
  } else {
    host_ = config_.bucket + ".s3." + config_.region + ".amazonaws.com";
    scheme_host_ = "https://" + host_;
  }
}

S3Client::~S3Client() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

S3Client::Response S3Client::perform(const std::string& method, const std::string& key,
                                     const sigv4::Pairs& query, sigv4::Pairs headers, std::string_view body) {
  CURL* curl = static_cast<CURL*>(curl_);
  std::string path = key.empty() ? (path_prefix_.empty() ? "/" : path_prefix_) : path_prefix_ + "/" + key;
  std::string url = scheme_host_ + sigv4::uri_encode(path, true);
  for (size_t i = 0; i < query.size(); ++i) {
    url += (i == 0 ? '?' : '&') + sigv4::uri_encode(query[i].first, false) + '=' +
           sigv4::uri_encode(query[i].second, false);
  }

  headers.emplace_back("Host", host_);
  sigv4::Request request{method, path, query, headers, sigv4::sha256_hex(body)};
  sigv4::Options options;
  options.region = config_.region;
  options.service = "s3";
  options.unix_time =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      clock_offset_s_;
  options.normalize_path = false;  // S3 keys are literal
  options.add_content_sha256_header = true;
  sigv4::Signed signed_request = sigv4::sign_headers(request, config_.credentials, options);
  headers.insert(headers.end(), signed_request.added.begin(), signed_request.added.end());

  curl_easy_reset(curl);  // options only: the connection cache survives, which is the keep-alive
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for small bodies
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list_owner(list, &curl_slist_free_all);

  Response response;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (const char* ca = ca_bundle()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, config_.request_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Response::HeaderCapture::on_line);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  CURLcode rc = curl_easy_perform(curl);
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += connects;
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] ? std::string(error_buffer) : curl_easy_strerror(rc);
    throw StoreError(
        fmt::format("s3://{}/{}: {} failed: {} ({})", config_.bucket, key, method, detail, scheme_host_),
        transport_error_retryable(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

void S3Client::fail(const std::string& method, const std::string& key, const Response& response) {
  S3ErrorDocument error = parse_error_document(response.body);
  if (error.code == "RequestTimeTooSkewed" && !response.headers.date.empty()) {
    time_t server = curl_getdate(response.headers.date.c_str(), nullptr);
    if (server > 0) {
      clock_offset_s_ = server - std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    }
  }
  std::string code = error.code.empty() ? "no S3 error code" : error.code;
  std::string message = error.message.empty() ? "" : ": " + header_safe(error.message);
  std::string hint;
  if (error.code == "PermanentRedirect" || response.status == 301) {
    hint = " (the bucket is in another region than " + config_.region + "; set AWS_REGION)";
  }
  std::string request_id = error.request_id.empty() ? response.headers.request_id : error.request_id;
  throw StoreError(fmt::format("s3://{}/{}: {} failed: HTTP {} {}{}{}{}", config_.bucket, key, method,
                               response.status, code, message, hint,
                               request_id.empty() ? "" : " (request id " + header_safe(request_id) + ")"),
                   s3_error_retryable(response.status, error.code));
}

void S3Client::put_object(const std::string& key, std::string_view body, const ObjectMetadata& metadata) {
  sigv4::Pairs headers = {{"Content-Type", "application/octet-stream"},
                          {"Content-MD5", sigv4::md5_base64(body)}};
  for (const auto& [name, value] : metadata) {
    std::string header = "x-amz-meta-" + lower_ascii(name);
    for (char& c : header) {
      if (c == '_') c = '-';
    }
    headers.emplace_back(header, header_safe(value));
  }
  Response r = perform("PUT", key, {}, std::move(headers), body);
  if (r.status != 200) fail("PUT", key, r);
}

std::string S3Client::get_object(const std::string& key) {
  Response r = perform("GET", key, {}, {}, {});
  if (r.status != 200) fail("GET", key, r);
  return std::move(r.body);
}

ListPage S3Client::list_objects_v2(const ListRequest& request) {
  sigv4::Pairs query = {{"list-type", "2"}, {"max-keys", std::to_string(request.max_keys)}};
  if (!request.prefix.empty()) query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) query.emplace_back("delimiter", request.delimiter);
  if (!request.continuation_token.empty()) {
    query.emplace_back("continuation-token", request.continuation_token);
  } else if (!request.start_after.empty()) {
    query.emplace_back("start-after", request.start_after);
  }
  Response r = perform("GET", "", query, {}, {});
  std::string what = "?prefix=" + request.prefix;
  if (r.status != 200) fail("ListObjectsV2", what, r);
  try {
    return parse_list_page(r.body);
  } catch (const std::runtime_error& e) {
    throw StoreError(fmt::format("s3://{}/{}: {}", config_.bucket, what, e.what()), true);
  }
}

}  // namespace lambdascope::store
