#include "store/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

namespace lambdascope::store::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string to_hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw std::runtime_error("OpenSSL HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Trimmed, with every run of whitespace (including folded continuation lines) as one space.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments; a trailing slash stays.
std::string normalize(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (auto s : segments) {
    out += '/';
    out += s;
  }
  bool trailing = !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || trailing) out += '/';
  return out;
}

struct Canonical {
  std::string headers;  // "name:value\n" lines
  std::string signed_headers;
};

Canonical canonical_headers(const Pairs& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // sorted by name, values joined by ','
  Pairs lowered;
  for (const auto& [name, value] : headers) lowered.emplace_back(lower(name), canonical_value(value));
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, value] : lowered) {
    if (!merged.empty() && merged.back().first == name) {
      merged.back().second += ',' + value;
    } else {
      merged.emplace_back(name, value);
    }
  }
  Canonical c;
  for (const auto& [name, value] : merged) {
    c.headers += name + ':' + value + '\n';
    if (!c.signed_headers.empty()) c.signed_headers += ';';
    c.signed_headers += name;
  }
  return c;
}

std::string canonical_query(const Pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query)
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + '=' + value;
  }
  return out;
}

std::string scope(const Options& o) {
  return amz_date(o.unix_time).substr(0, 8) + '/' + o.region + '/' + o.service + "/aws4_request";
}

// Fills canonical_request, string_to_sign and signature.
void sign(Signed& s, const Request& r, const Pairs& query, const Canonical& headers, const Credentials& creds,
          const Options& o) {
  std::string path = o.normalize_path ? normalize(r.path) : r.path;
  s.canonical_request = r.method + '\n' + uri_encode(path, true) + '\n' + canonical_query(query) + '\n' +
                        headers.headers + '\n' + headers.signed_headers + '\n' + r.payload_sha256;
  std::string date = amz_date(o.unix_time);
  s.string_to_sign =
      std::string(kAlgorithm) + '\n' + date + '\n' + scope(o) + '\n' + sha256_hex(s.canonical_request);
  std::string key = hmac("AWS4" + creds.secret_access_key, date.substr(0, 8));
  key = hmac(key, o.region);
  key = hmac(key, o.service);
  key = hmac(key, "aws4_request");
  std::string raw = hmac(key, s.string_to_sign);
  s.signature = to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string amz_date(int64_t unix_time) {
  using namespace std::chrono;
  sys_seconds t{seconds(unix_time)};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string sha256_hex(std::string_view data) {
  std::string d = digest(EVP_sha256(), data);
  return to_hex(reinterpret_cast<const unsigned char*>(d.data()), d.size());
}

std::string md5_base64(std::string_view data) {
  std::string d = digest(EVP_md5(), data);
  unsigned char out[32];
  int n = EVP_EncodeBlock(out, reinterpret_cast<const unsigned char*>(d.data()), static_cast<int>(d.size()));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

Signed sign_headers(const Request& request, const Credentials& credentials, const Options& options) {
  Signed s;
  Pairs headers = request.headers;
  s.added.emplace_back("X-Amz-Date", amz_date(options.unix_time));
  bool token = !credentials.session_token.empty();
  if (token && !options.omit_session_token) {
    s.added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options.add_content_sha256_header) s.added.emplace_back("x-amz-content-sha256", request.payload_sha256);
  headers.insert(headers.end(), s.added.begin(), s.added.end());
  Canonical canonical = canonical_headers(headers);
  sign(s, request, request.query, canonical, credentials, options);
  if (token && options.omit_session_token) {
    s.added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  s.added.emplace_back("Authorization", fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                                                    kAlgorithm, credentials.access_key_id, scope(options),
                                                    canonical.signed_headers, s.signature));
  return s;
}

Signed presign_query(const Request& request, const Credentials& credentials, const Options& options) {
  Signed s;
  Canonical canonical = canonical_headers(request.headers);
  s.added = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
             {"X-Amz-Credential", credentials.access_key_id + '/' + scope(options)},
             {"X-Amz-Date", amz_date(options.unix_time)},
             {"X-Amz-SignedHeaders", canonical.signed_headers},
             {"X-Amz-Expires", std::to_string(options.expires_seconds)}};
  bool token = !credentials.session_token.empty();
  if (token && !options.omit_session_token) {
    s.added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  Pairs query = request.query;
  query.insert(query.end(), s.added.begin(), s.added.end());
  sign(s, request, query, canonical, credentials, options);
  if (token && options.omit_session_token) {
    s.added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  s.added.emplace_back("X-Amz-Signature", s.signature);
  return s;
}

}  // namespace lambdascope::store::sigv4
