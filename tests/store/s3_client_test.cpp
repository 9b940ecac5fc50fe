// The S3 client against a fake S3 on 127.0.0.1 (cpp-httplib) that records what arrives and answers what
// each test wants: the wire request is the signed one, integrity headers are right, one connection is kept
// alive, and every failure becomes a StoreError that is retryable exactly when a retry can help.
#include "store/s3_client.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <deque>
#include <mutex>
#include <thread>

#include "store/destination.hpp"
#include "store/s3_sink.hpp"
#include "store/sigv4.hpp"

namespace lambdascope::store {
namespace {

struct Reply {
  int status = 200;
  std::string body;
  int delay_ms = 0;
  httplib::Headers headers;
};

class FakeS3 {
 public:
  FakeS3() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Reply reply;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
        if (!replies_.empty()) {
          reply = replies_.front();
          replies_.pop_front();
        }
      }
      if (reply.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
      res.status = reply.status;
      for (const auto& [k, v] : reply.headers) res.set_header(k, v);
      res.set_content(reply.body, "application/xml");
    };
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.set_keep_alive_max_count(1000);  // httplib closes after 5 requests by default
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeS3() {
    server_.stop();
    thread_.join();
  }
  void reply(Reply r) {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(r));
  }
  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  S3Config config(const std::string& bucket = "bucket") const {
    S3Config c;
    c.bucket = bucket;
    c.region = "eu-west-1";
    c.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    c.credentials = {"AKIDTEST", "secret/SECRET+value", "token/with+chars=="};
    c.connect_timeout_ms = 1000;
    c.request_timeout_ms = 2000;
    return c;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<httplib::Request> requests_;
};

std::string error_xml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>REQ123</RequestId></Error>";
}

// Recomputes the signature from the request as it arrived: if the client encoded the path or the query
// differently on the wire than in what it signed, this differs.
std::string resign(const httplib::Request& req, const S3Config& c, std::string* canonical = nullptr) {
  sigv4::Request r;
  r.method = req.method;
  r.path = req.path;  // httplib hands over the decoded path
  for (const auto& [k, v] : req.params) r.query.emplace_back(k, v);
  std::string auth = req.get_header_value("Authorization");
  size_t sh = auth.find("SignedHeaders=") + 14;
  std::string signed_names = auth.substr(sh, auth.find(',', sh) - sh);
  size_t start = 0;
  while (start < signed_names.size()) {
    size_t end = signed_names.find(';', start);
    if (end == std::string::npos) end = signed_names.size();
    std::string name = signed_names.substr(start, end - start);
    if (name != "x-amz-date" && name != "x-amz-security-token" && name != "x-amz-content-sha256") {
      r.headers.emplace_back(name, req.get_header_value(name));
    }
    start = end + 1;
  }
  r.payload_sha256 = req.get_header_value("x-amz-content-sha256");
  sigv4::Options o;
  o.region = c.region;
  o.service = "s3";
  std::string date = req.get_header_value("x-amz-date");
  std::tm tm{};
  strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  o.unix_time = timegm(&tm);
  o.normalize_path = false;
  o.add_content_sha256_header = true;
  sigv4::Signed s = sigv4::sign_headers(r, c.credentials, o);
  if (canonical) *canonical = s.canonical_request;
  return s.added.back().second;
}

TEST(S3Client, PutSendsIntegrityHeadersMetadataAndASignatureOfWhatIsOnTheWire) {
  FakeS3 s3;
  S3Sink sink(s3.config(), "prof");
  std::string body = "\x1f\x8b profile bytes";
  sink.put("my fn/2025/11/21/08/1_2_invoke_r.pb.gz", body,
           {{"function", "my fn"}, {"request_id", "r-1"}, {"phase", "invoke"}, {"duration_ms", "2"}});
  auto reqs = s3.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto& req = reqs[0];
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.path, "/bucket/prof/my fn/2025/11/21/08/1_2_invoke_r.pb.gz");
  EXPECT_EQ(req.body, body);
  EXPECT_EQ(req.get_header_value("Content-MD5"), sigv4::md5_base64(body));
  EXPECT_EQ(req.get_header_value("x-amz-content-sha256"), sigv4::sha256_hex(body));
  EXPECT_EQ(req.get_header_value("x-amz-security-token"), "token/with+chars==");
  EXPECT_EQ(req.get_header_value("x-amz-meta-function"), "my fn");
  EXPECT_EQ(req.get_header_value("x-amz-meta-request-id"), "r-1");
  EXPECT_EQ(req.get_header_value("x-amz-meta-phase"), "invoke");
  EXPECT_EQ(req.get_header_value("x-amz-meta-duration-ms"), "2");
  std::string auth = req.get_header_value("Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(auth.find("content-md5;"), std::string::npos);  // the digest is signed
  EXPECT_EQ(resign(req, s3.config()), auth);
  EXPECT_EQ(sink.describe(), "s3://bucket/prof at " + s3.config().endpoint);
}

TEST(S3Client, ListQueryNeedingEncodingIsSignedAsSent) {
  FakeS3 s3;
  s3.reply({200, "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>", 0, {}});
  S3Client client(s3.config());
  ListRequest lr;
  lr.prefix = "prof/fn/";
  lr.start_after = "prof/fn/2025/11/21/08";
  client.list_objects_v2(lr);
  auto reqs = s3.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].get_param_value("prefix"), "prof/fn/");
  EXPECT_EQ(reqs[0].get_param_value("start-after"), "prof/fn/2025/11/21/08");
  std::string canonical;
  EXPECT_EQ(resign(reqs[0], s3.config(), &canonical), reqs[0].get_header_value("Authorization"));
  EXPECT_NE(canonical.find("prefix=prof%2Ffn%2F&start-after=prof%2Ffn%2F2025"), std::string::npos)
      << canonical;
}

TEST(S3Client, ConsecutiveRequestsReuseOneConnection) {
  FakeS3 s3;
  S3Client client(s3.config());
  for (int i = 0; i < 20; ++i) client.put_object("k" + std::to_string(i), "body", {});
  EXPECT_EQ(s3.requests().size(), 20u);
  EXPECT_EQ(client.connections_opened(), 1);
}

struct Case {
  int status;
  std::string code;
  bool retryable;
};

TEST(S3Client, ErrorsNameBucketKeyAndCodeAndAreRetryableOnlyWhenARetryCanHelp) {
  std::vector<Case> cases = {{403, "InvalidAccessKeyId", false},
                             {403, "SignatureDoesNotMatch", false},
                             {403, "AccessDenied", false},
                             {404, "NoSuchBucket", false},
                             {301, "PermanentRedirect", false},
                             {503, "SlowDown", true},
                             {500, "InternalError", true},
                             {400, "RequestTimeout", true},
                             {400, "BadDigest", true},
                             {429, "", true},
                             {502, "", true}};
  FakeS3 s3;
  S3Client client(s3.config("my-bucket"));
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.status) + " " + c.code);
    s3.reply({c.status, c.code.empty() ? "<html>gateway</html>" : error_xml(c.code, "It failed."), 0, {}});
    try {
      client.put_object("p/k.pb.gz", "x", {});
      ADD_FAILURE() << "expected StoreError";
    } catch (const StoreError& e) {
      std::string what = e.what();
      EXPECT_EQ(e.retryable(), c.retryable) << what;
      EXPECT_NE(what.find("s3://my-bucket/p/k.pb.gz"), std::string::npos) << what;
      EXPECT_NE(what.find("HTTP " + std::to_string(c.status)), std::string::npos) << what;
      if (!c.code.empty()) {
        EXPECT_NE(what.find(c.code), std::string::npos) << what;
      }
      EXPECT_EQ(what.find("secret/SECRET"), std::string::npos) << what;
      EXPECT_EQ(what.find("token/with"), std::string::npos) << what;
    }
  }
}

TEST(S3Client, UnreachableAndSlowServersAreRetryable) {
  S3Config dead;
  {
    FakeS3 s3;
    dead = s3.config();
  }  // stopped: nothing listens on that port now
  S3Client client(dead);
  try {
    client.put_object("k", "x", {});
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_NE(std::string(e.what()).find("s3://bucket/k"), std::string::npos) << e.what();
  }
  FakeS3 slow;
  S3Config c = slow.config();
  c.request_timeout_ms = 200;
  slow.reply({200, "", 1000, {}});
  S3Client slow_client(c);
  auto t0 = std::chrono::steady_clock::now();
  try {
    slow_client.put_object("k", "x", {});
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));
}

TEST(S3Client, RequestTimeTooSkewedCorrectsTheClockForTheNextRequest) {
  FakeS3 s3;
  s3.reply(
      {403, error_xml("RequestTimeTooSkewed", "skewed"), 0, {{"Date", "Sun, 06 Nov 2044 08:49:37 GMT"}}});
  S3Client client(s3.config());
  try {
    client.put_object("k", "x", {});
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.retryable());
  }
  client.put_object("k", "x", {});
  auto reqs = s3.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].get_header_value("x-amz-date").substr(0, 8), "20441106");
}

TEST(S3Xml, ListPagesAndErrorsParseAndMalformedXmlIsAClearError) {
  ListPage p = parse_list_page(
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>"
      "<Contents><Key>a/1 &lt;x&gt;</Key><Size>12</Size></Contents><Contents><Key>a/2</Key><Size>3</Size>"
      "</Contents><CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes></ListBucketResult>");
  ASSERT_EQ(p.objects.size(), 2u);
  EXPECT_EQ(p.objects[0].key, "a/1 <x>");
  EXPECT_EQ(p.objects[0].size, 12);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.next_continuation_token, "tok&1");
  EXPECT_EQ(p.common_prefixes, std::vector<std::string>{"a/"});
  EXPECT_THROW(parse_list_page("<ListBucketResult><Contents>"), std::runtime_error);
  EXPECT_THROW(parse_list_page("<Error><Code>x</Code></Error>"), std::runtime_error);
  EXPECT_THROW(parse_list_page("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
               std::runtime_error);
  S3ErrorDocument e = parse_error_document(error_xml("NoSuchBucket", "The bucket does not exist"));
  EXPECT_EQ(e.code, "NoSuchBucket");
  EXPECT_EQ(e.message, "The bucket does not exist");
  EXPECT_EQ(parse_error_document("<html>502 Bad Gateway").code, "");
}

}  // namespace
}  // namespace lambdascope::store

namespace lambdascope::store {
namespace {

// open_sink's S3 branch reads the environment as Lambda sets it; what is missing is named, never a value.
TEST(S3Destination, OpenSinkTakesCredentialsRegionAndEndpointFromTheEnvironment) {
  FakeS3 s3;
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  ::setenv("AWS_SESSION_TOKEN", "env-token", 1);
  ::setenv("AWS_REGION", "ap-south-1", 1);
  ::setenv("LAMBDASCOPE_S3_ENDPOINT", (s3.config().endpoint + "/").c_str(), 1);
  auto sink = open_sink(parse_destination("s3://env-bucket/p/q/"));
  EXPECT_EQ(sink->describe(), "s3://env-bucket/p/q at " + s3.config().endpoint);
  sink->put("f/k.pb.gz", "body", {});
  auto reqs = s3.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/env-bucket/p/q/f/k.pb.gz");
  EXPECT_EQ(reqs[0].get_header_value("x-amz-security-token"), "env-token");
  EXPECT_NE(reqs[0].get_header_value("Authorization").find("Credential=AKIDENV/"), std::string::npos);
  EXPECT_NE(reqs[0].get_header_value("Authorization").find("/ap-south-1/s3/aws4_request"), std::string::npos);

  ::setenv("LAMBDASCOPE_S3_ENDPOINT", "127.0.0.1:9000", 1);
  EXPECT_THROW(open_sink(parse_destination("s3://env-bucket")), std::invalid_argument);
  ::unsetenv("LAMBDASCOPE_S3_ENDPOINT");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  try {
    open_sink(parse_destination("s3://env-bucket/p"));
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("s3://env-bucket"), std::string::npos) << what;
    EXPECT_NE(what.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << what;
    EXPECT_EQ(what.find("AKIDENV"), std::string::npos) << what;
  }
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_REGION"}) ::unsetenv(v);
}

}  // namespace
}  // namespace lambdascope::store
