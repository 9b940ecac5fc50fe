#include "store/spool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "store/directory_sink.hpp"
#include "support/test_support.hpp"

namespace lambdascope::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Each test works in a folder that does not exist yet (the code under test creates it) inside a TempDir,
// which is removed when the test ends, also when an ASSERT ends it early.

// A destination that fails on demand: the first `fail_first` puts throw (retryable or not), a put can
// be made slow, and every attempt is recorded with its time.
class FlakySink : public Sink {
 public:
  int fail_first = 0;
  bool retryable = true;
  std::chrono::milliseconds delay{0};

  void put(const std::string& key, std::string_view body, const ObjectMetadata& metadata) override {
    std::this_thread::sleep_for(delay);
    std::lock_guard<std::mutex> lock(mu_);
    attempts_.push_back(SteadyClock::now());
    if (static_cast<int>(attempts_.size()) <= fail_first)
      throw StoreError("HTTP 503 SlowDown (test)", retryable);
    stored_.push_back({key, std::string(body), metadata});
  }
  std::string describe() const override { return "test://flaky"; }

  struct Object {
    std::string key, body;
    ObjectMetadata metadata;
  };
  std::vector<Object> stored() {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }
  std::vector<SteadyClock::time_point> attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

 private:
  std::mutex mu_;
  std::vector<Object> stored_;
  std::vector<SteadyClock::time_point> attempts_;
};

struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> fn() {
    return [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(l);
    };
  }
  bool contains(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

size_t spool_files(const fs::path& dir) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".spool";
  return n;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit = 5s) {
  auto until = SteadyClock::now() + limit;
  while (!cond()) {
    if (SteadyClock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Options with a directory and a log, other fields set by name (aggregate initialization would warn
// about every field left out).
SpoolOptions opts(const fs::path& dir, std::function<void(const std::string&)> log,
                  const std::function<void(SpoolOptions&)>& more = {}) {
  SpoolOptions o;
  o.dir = dir.string();
  o.log = std::move(log);
  if (more) more(o);
  return o;
}

const auto quiet = [](const std::string&) {};

TEST(SpoolEntry, RoundTripsKeyMetadataAndBinaryBody) {
  std::string body("\x1f\x8b\0\n\tbinary", 11);
  std::string bytes = encode_spool_entry("f/2025/01/02/03/1_2_invoke_r.pb.gz", body,
                                         {{"request_id", "r"}, {"phase", "in\nvoke"}});
  std::string key;
  std::string_view got;
  ObjectMetadata md;
  ASSERT_TRUE(decode_spool_entry(bytes, &key, &got, &md));
  EXPECT_EQ(key, "f/2025/01/02/03/1_2_invoke_r.pb.gz");
  EXPECT_EQ(got, body);
  EXPECT_EQ(md.at("request_id"), "r");
  EXPECT_EQ(md.at("phase"), "in voke");  // a newline cannot break the header
  EXPECT_FALSE(decode_spool_entry(bytes.substr(0, bytes.size() - 1), &key, &got, &md));  // truncated
  EXPECT_FALSE(decode_spool_entry("not a spool file", &key, &got, &md));
}

TEST(Spool, SendsToTheSinkAndDeletesTheFile) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "send";
  FlakySink sink;
  LogLines log;
  Spool spool(opts(dir, log.fn()), sink);
  spool.start();
  ASSERT_TRUE(spool.add("fn/a.pb.gz", "body-a", {{"phase", "invoke"}}));
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 1; }));
  EXPECT_EQ(sink.stored()[0].key, "fn/a.pb.gz");
  EXPECT_EQ(sink.stored()[0].body, "body-a");
  EXPECT_EQ(sink.stored()[0].metadata.at("phase"), "invoke");
  ASSERT_TRUE(wait_for([&] { return spool.pending() == 0; }));
  EXPECT_EQ(spool_files(dir), 0u);
  EXPECT_EQ(spool.stats().sent, 1u);
}

TEST(Spool, ALocalDestinationIsWrittenAtOnceWithoutASpoolFile) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "direct";
  FlakySink sink;
  Spool spool(opts(dir, quiet, [&](SpoolOptions& o) { o.direct = true; }), sink);
  spool.start();
  ASSERT_TRUE(spool.add("fn/a.pb.gz", "body-a", {{"phase", "invoke"}}));
  // Put before add() returned, from its thread: no file, nothing pending.
  ASSERT_EQ(sink.stored().size(), 1u);
  EXPECT_EQ(sink.stored()[0].body, "body-a");
  EXPECT_EQ(sink.stored()[0].metadata.at("phase"), "invoke");
  EXPECT_EQ(spool.pending(), 0u);
  EXPECT_EQ(spool_files(dir), 0u);
  EXPECT_EQ(spool.stats().sent, 1u);
  EXPECT_FALSE(testing::has_thread("ls-spool")) << "no drainer while nothing waits to be sent";
}

TEST(Spool, ADirectPutThatFailsIsSpooledAndSentLater) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "direct-retry";
  FlakySink sink;
  sink.fail_first = 1;
  Spool spool(opts(dir, quiet,
                   [&](SpoolOptions& o) {
                     o.direct = true;
                     o.initial_backoff = 10ms;
                   }),
              sink);
  spool.start();
  ASSERT_TRUE(spool.add("fn/a.pb.gz", "body-a", {}));
  EXPECT_TRUE(sink.stored().empty());  // the put failed: kept for the drainer, started for it
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 1; }));  // sent with no flush()
  EXPECT_EQ(spool.flush(SteadyClock::now() + 2s), 0u);
  ASSERT_EQ(sink.stored().size(), 1u);
  EXPECT_EQ(sink.stored()[0].body, "body-a");
  EXPECT_EQ(sink.attempts().size(), 2u);
  EXPECT_EQ(spool_files(dir), 0u);
}

TEST(Spool, ADirectSpoolStillKeepsEverythingUntilFlushInShutdownMode) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "direct-shutdown";
  FlakySink sink;
  Spool spool(opts(dir, quiet,
                   [&](SpoolOptions& o) {
                     o.direct = true;
                     o.drain = false;
                   }),
              sink);
  spool.start();
  ASSERT_TRUE(spool.add("k", "b", {}));
  EXPECT_TRUE(sink.stored().empty());
  EXPECT_EQ(spool.pending(), 1u);
  EXPECT_EQ(spool.flush(SteadyClock::now() + 2s), 0u);
  EXPECT_EQ(sink.stored().size(), 1u);
}

TEST(Spool, LeftoversOfAnEarlierRunAreSentInOrderOnStart) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "leftovers";
  {
    FlakySink unused;
    Spool first(opts(dir, quiet, [&](SpoolOptions& o) { o.drain = false; }), unused);
    first.start();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(first.add("k" + std::to_string(i), "b", {}));
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(unused.stored().empty());  // drain = false: nothing leaves before a flush
  }                                        // "crash": the files stay
  EXPECT_EQ(spool_files(dir), 3u);
  FlakySink sink;
  LogLines log;
  Spool second(opts(dir, log.fn()), sink);
  second.start();
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 3; }));
  EXPECT_EQ(sink.stored()[0].key, "k0");
  EXPECT_EQ(sink.stored()[2].key, "k2");
  EXPECT_EQ(second.stats().leftovers, 3u);
  EXPECT_TRUE(log.contains("3 profiles left in the spool"));
}

TEST(Spool, OverTheLimitTheOldestAreDroppedAndTheCountSurvivesARestart) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "limit";
  std::string body(400, 'x');
  uint64_t entry = encode_spool_entry("key-0", body, {}).size();
  LogLines log;
  {
    FlakySink sink;
    Spool spool(opts(dir, log.fn(),
                     [&](SpoolOptions& o) {
                       o.max_bytes = entry * 3;
                       o.drain = false;
                     }),
                sink);
    spool.start();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool.add("key-" + std::to_string(i), body, {}));
    EXPECT_EQ(spool.pending(), 3u);
    EXPECT_LE(spool.pending_bytes(), entry * 3);
    EXPECT_EQ(spool.stats().dropped_full, 2u);
    EXPECT_EQ(spool.flush(SteadyClock::now() + 2s), 0u);
    ASSERT_EQ(sink.stored().size(), 3u);
    EXPECT_EQ(sink.stored()[0].key, "key-2");  // 0 and 1 were the oldest
    EXPECT_EQ(sink.stored()[2].key, "key-4");
    EXPECT_FALSE(spool.add("huge", std::string(entry * 4, 'y'), {}));  // larger than the spool
  }
  EXPECT_TRUE(log.contains("1 oldest profile dropped"));  // one per add that needed room
  EXPECT_TRUE(log.contains("larger than the whole spool"));
  FlakySink sink;
  Spool again(opts(dir, quiet), sink);
  EXPECT_EQ(again.take_dropped(), 3u);  // persisted: 2 oldest + the huge one
  EXPECT_EQ(again.take_dropped(), 0u);  // reported once
}

TEST(Spool, RetryableFailuresBackOffExponentiallyAndNothingIsLost) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "retry";
  FlakySink sink;
  sink.fail_first = 4;
  LogLines log;
  Spool spool(opts(dir, log.fn(),
                   [&](SpoolOptions& o) {
                     o.initial_backoff = 20ms;
                     o.max_backoff = 200ms;
                   }),
              sink);
  spool.start();
  ASSERT_TRUE(spool.add("a", "1", {}));
  ASSERT_TRUE(spool.add("b", "2", {}));
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 2; }));
  EXPECT_EQ(sink.stored()[0].key, "a");  // the oldest stays first through the retries
  auto t = sink.attempts();
  ASSERT_GE(t.size(), 6u);
  // Gaps: jittered in [b/2, b] with b = 20, 40, 80, 160 ms.
  auto gap = [&](size_t i) { return std::chrono::duration_cast<std::chrono::milliseconds>(t[i + 1] - t[i]); };
  EXPECT_GE(gap(0), 10ms);
  EXPECT_GE(gap(3), 80ms);
  EXPECT_GT(gap(3), gap(0));
  EXPECT_EQ(spool.stats().retries, 4u);
  EXPECT_TRUE(log.contains("cannot send a to test://flaky (HTTP 503 SlowDown (test)); retrying in"));
  EXPECT_EQ(spool.take_dropped(), 0u);
}

TEST(Spool, APermanentFailureDropsTheProfileWithAClearLogLine) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "permanent";
  FlakySink sink;
  sink.fail_first = 1;
  sink.retryable = false;
  LogLines log;
  Spool spool(opts(dir, log.fn()), sink);
  spool.start();
  EXPECT_EQ(spool.take_dropped(), 0u);  // nothing yet: later takes still read what is counted since
  ASSERT_TRUE(spool.add("fn/denied.pb.gz", "1", {}));
  ASSERT_TRUE(spool.add("fn/next.pb.gz", "2", {}));
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 1; }));
  EXPECT_EQ(sink.stored()[0].key, "fn/next.pb.gz");
  EXPECT_TRUE(log.contains("profile fn/denied.pb.gz dropped: test://flaky refused it for good: HTTP 503"));
  EXPECT_EQ(spool.stats().dropped_failed, 1u);
  EXPECT_EQ(spool.take_dropped(), 1u);
}

TEST(Spool, FlushReturnsAtTheDeadlineWithWhatIsLeft) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "deadline";
  FlakySink sink;
  sink.fail_first = 1000000;  // the destination is down
  LogLines log;
  Spool spool(opts(dir, log.fn(), [&](SpoolOptions& o) { o.initial_backoff = 1000ms; }), sink);
  spool.start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool.add("k" + std::to_string(i), "b", {}));
  auto start = SteadyClock::now();
  size_t left = spool.flush(start + 300ms);
  auto took = SteadyClock::now() - start;
  EXPECT_EQ(left, 3u);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 600ms);
  // Under the deadline it retried more than a 1 s backoff would allow.
  EXPECT_GE(sink.attempts().size(), 3u);
  EXPECT_TRUE(log.contains("3 profiles left unsent in the spool"));
  EXPECT_EQ(spool_files(dir), 3u);  // kept for a later start
}

TEST(Spool, FlushDoesNotWaitForAPutStuckPastTheDeadline) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "stuck";
  FlakySink sink;
  sink.delay = 800ms;
  Spool spool(opts(dir, quiet), sink);
  spool.start();
  ASSERT_TRUE(spool.add("slow", "b", {}));
  auto start = SteadyClock::now();
  EXPECT_EQ(spool.flush(start + 100ms), 1u);
  EXPECT_LT(SteadyClock::now() - start, 400ms);
}

TEST(Spool, ShutdownModeKeepsEverythingUntilFlush) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "shutdown-mode";
  FlakySink sink;
  Spool spool(opts(dir, quiet, [&](SpoolOptions& o) { o.drain = false; }), sink);
  spool.start();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(spool.add("k" + std::to_string(i), "b", {}));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(sink.stored().empty());
  EXPECT_EQ(spool.flush(SteadyClock::now() + 2s), 0u);
  EXPECT_EQ(sink.stored().size(), 4u);
}

TEST(Spool, AFileThatIsNotASpoolEntryIsDroppedNotFatal) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "garbage";
  fs::create_directories(dir);
  std::ofstream(dir / "00000000000000000001-1-000000.spool") << "garbage";
  FlakySink sink;
  LogLines log;
  Spool spool(opts(dir, log.fn()), sink);
  spool.start();
  ASSERT_TRUE(spool.add("good", "b", {}));
  ASSERT_TRUE(wait_for([&] { return sink.stored().size() == 1; }));
  EXPECT_TRUE(log.contains("is unreadable or incomplete"));
  EXPECT_EQ(spool_files(dir), 0u);
}

TEST(Spool, DeliversToARealDirectorySink) {
  testing::TempDir temp;
  const fs::path dir = fs::path(temp.path) / "dirsink";
  DirectorySink sink((dir / "out").string());
  Spool spool(opts(dir / "spool", quiet), sink);
  spool.start();
  ASSERT_TRUE(spool.add("fn/2025/01/01/00/1_2_invoke_r.pb.gz", "pprof", {}));
  EXPECT_EQ(spool.flush(SteadyClock::now() + 2s), 0u);
  EXPECT_TRUE(fs::exists(dir / "out/fn/2025/01/01/00/1_2_invoke_r.pb.gz"));
}

}  // namespace
}  // namespace lambdascope::store
