// SigV4 against the AWS Signature Version 4 test suite (../shared/data/sigv4, from aws-c-auth): for every
// case, header and query signing, the canonical request, the string to sign and the signature must be the
// suite's, byte for byte. Then S3's own shape (single-encoded keys, no normalization, a session token, a
// ListObjectsV2 query with '/' to encode and parameters out of order), checked against botocore.
#include "store/sigv4.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_support.hpp"

namespace lambdascope::store::sigv4 {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct SuiteCase {
  Request request;
  Credentials credentials;
  Options options;
};

// request.txt: "METHOD TARGET HTTP/1.1", header lines (a line starting with whitespace continues the one
// before), an empty line, the body.
SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  std::string text = slurp(dir / "request.txt");
  size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  size_t sp = first.find(' ');
  size_t http = first.rfind(" HTTP/");
  c.request.method = first.substr(0, sp);
  std::string target = first.substr(sp + 1, http - sp - 1);
  size_t q = target.find('?');
  c.request.path = percent_decode(target.substr(0, q));
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      if (amp == std::string::npos) amp = query.size();
      std::string part = query.substr(start, amp - start);
      size_t eq = part.find('=');
      if (!part.empty()) {
        c.request.query.emplace_back(percent_decode(part.substr(0, eq)),
                                     eq == std::string::npos ? "" : percent_decode(part.substr(eq + 1)));
      }
      start = amp + 1;
    }
  }
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  std::string body;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      c.request.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    c.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  c.request.payload_sha256 = sha256_hex(body);

  simdjson::dom::parser parser;
  simdjson::dom::element ctx = parser.parse(slurp(dir / "context.json"));
  auto creds = ctx["credentials"];
  c.credentials.access_key_id = std::string(std::string_view(creds["access_key_id"]));
  c.credentials.secret_access_key = std::string(std::string_view(creds["secret_access_key"]));
  std::string_view token;
  if (creds["token"].get(token) == simdjson::SUCCESS) c.credentials.session_token = std::string(token);
  c.options.region = std::string(std::string_view(ctx["region"]));
  c.options.service = std::string(std::string_view(ctx["service"]));
  c.options.normalize_path = bool(ctx["normalize"]);
  c.options.add_content_sha256_header = bool(ctx["sign_body"]);
  bool omit = false;
  if (ctx["omit_session_token"].get(omit) == simdjson::SUCCESS) c.options.omit_session_token = omit;
  c.options.expires_seconds = int64_t(ctx["expiration_in_seconds"]);
  std::string ts{std::string_view(ctx["timestamp"])};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  EXPECT_EQ(std::sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec), 6) << dir;
  using namespace std::chrono;
  sys_days day{year(y) / month(static_cast<unsigned>(mo)) / static_cast<unsigned>(d)};
  c.options.unix_time = day.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + sec;
  return c;
}

std::vector<fs::path> suite_cases() {
  std::vector<fs::path> out;
  fs::path root = lambdascope::testing::shared_data("sigv4");
  if (!fs::is_directory(root)) return out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (fs::exists(e.path() / "request.txt")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SigV4Suite, EveryCaseInHeaderAndQueryModeMatchesTheSuite) {
  auto cases = suite_cases();
  ASSERT_GE(cases.size(), 38u) << "the AWS SigV4 test suite is missing from LS_SHARED_DATA/sigv4";
  int checked = 0;
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    SuiteCase c = load_case(dir);
    Signed h = sign_headers(c.request, c.credentials, c.options);
    EXPECT_EQ(h.canonical_request, trim_newlines(slurp(dir / "header-canonical-request.txt")));
    EXPECT_EQ(h.string_to_sign, trim_newlines(slurp(dir / "header-string-to-sign.txt")));
    EXPECT_EQ(h.signature, trim_newlines(slurp(dir / "header-signature.txt")));
    // The Authorization header we add is the one in the suite's signed request.
    std::string signed_request = slurp(dir / "header-signed-request.txt");
    EXPECT_NE(signed_request.find("Authorization:" + h.added.back().second), std::string::npos);

    Signed qs = presign_query(c.request, c.credentials, c.options);
    EXPECT_EQ(qs.canonical_request, trim_newlines(slurp(dir / "query-canonical-request.txt")));
    EXPECT_EQ(qs.string_to_sign, trim_newlines(slurp(dir / "query-string-to-sign.txt")));
    EXPECT_EQ(qs.signature, trim_newlines(slurp(dir / "query-signature.txt")));
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(cases.size()));
}

TEST(SigV4Suite, ASessionTokenIsSignedUnlessOmitted) {
  fs::path dir = lambdascope::testing::shared_data("sigv4/get-vanilla-with-session-token");
  SuiteCase c = load_case(dir);
  Signed h = sign_headers(c.request, c.credentials, c.options);
  EXPECT_NE(h.canonical_request.find("x-amz-security-token:6e86291e"), std::string::npos);
  EXPECT_NE(h.canonical_request.find("x-amz-security-token"), std::string::npos);
  c.options.omit_session_token = true;
  Signed omitted = sign_headers(c.request, c.credentials, c.options);
  EXPECT_EQ(omitted.canonical_request.find("x-amz-security-token"), std::string::npos);
  EXPECT_EQ(omitted.added.rbegin()[1].first, "X-Amz-Security-Token");  // still sent, unsigned
  c.options.omit_session_token = false;
  // A wrong secret gives a different signature (the test could fail).
  c.credentials.secret_access_key += "x";
  EXPECT_NE(sign_headers(c.request, c.credentials, c.options).signature, h.signature);
}

TEST(SigV4, EncodesWithTheUnreservedSetOnly) {
  EXPECT_EQ(uri_encode("fn/2025 a+b=c~_.-", false), "fn%2F2025%20a%2Bb%3Dc~_.-");
  EXPECT_EQ(uri_encode("fn/2025/x y", true), "fn/2025/x%20y");
  EXPECT_EQ(uri_encode("\xe1\x88\xb4", false), "%E1%88%B4");
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(md5_base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// An S3 ListObjectsV2 request as the reader sends it: query parameters out of order, a prefix with '/',
// a start-after key, a session token, the empty body's hash. Expected values from botocore
// 1.43 (S3SigV4Auth, the aws CLI's signer, with the clock fixed), which encodes and orders on its own.
TEST(SigV4S3, ListObjectsV2WithSessionTokenMatchesBotocore) {
  Request r;
  r.method = "GET";
  r.path = "/my-bucket";
  r.query = {{"prefix", "prof/fn/"},
             {"list-type", "2"},
             {"start-after", "prof/fn/2025/11/21/08"},
             {"max-keys", "1000"}};
  r.headers = {{"Host", "127.0.0.1:4568"}};
  r.payload_sha256 = sha256_hex("");
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session+token/=="};
  Options o;
  o.region = "us-east-1";
  o.service = "s3";
  o.unix_time = 1763712000;  // 2025-11-21T08:00:00Z
  o.normalize_path = false;
  o.add_content_sha256_header = true;
  Signed s = sign_headers(r, creds, o);
  EXPECT_EQ(s.canonical_request,
            "GET\n/my-bucket\n"
            "list-type=2&max-keys=1000&prefix=prof%2Ffn%2F&start-after=prof%2Ffn%2F2025%2F11%2F21%2F08\n"
            "host:127.0.0.1:4568\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20251121T080000Z\n"
            "x-amz-security-token:session+token/==\n\n"
            "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.signature, "2bfadedf129cdd8fcb076421d3b31037f820339b7a8a2bdabe8c597a0a36241a");
}

// A PUT of an object whose key needs encoding: S3 encodes the key once and keeps '.' segments and '//'.
TEST(SigV4S3, PutObjectKeyIsEncodedOnceAndNotNormalizedMatchesBotocore) {
  Request r;
  r.method = "PUT";
  r.path = "/my-bucket/prof/my fn/./a//b_1_invoke_r.pb.gz";
  r.headers = {{"Host", "s3.eu-west-1.amazonaws.com"},
               {"Content-MD5", md5_base64("hello")},
               {"x-amz-meta-function", "my fn"}};
  r.payload_sha256 = sha256_hex("hello");
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  Options o;
  o.region = "eu-west-1";
  o.service = "s3";
  o.unix_time = 1763712000;
  o.normalize_path = false;
  o.add_content_sha256_header = true;
  Signed s = sign_headers(r, creds, o);
  EXPECT_EQ(s.canonical_request.substr(0, s.canonical_request.find('\n', 4) + 1),
            "PUT\n/my-bucket/prof/my%20fn/./a//b_1_invoke_r.pb.gz\n");
  EXPECT_EQ(s.signature, "853e56696c37c9b582f701cf90ea4d52a12011fffb5b0bab1856bd47a096cb34");
}

}  // namespace
}  // namespace lambdascope::store::sigv4
