// Store reading: time flags, selection by key in a directory store (with old hours pruned unread), and the
// bounded parallel fetch (every object once, failures and consumer errors stop it cleanly).
#include "store/store_reader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "store/directory_sink.hpp"
#include "store/directory_store_reader.hpp"
#include "store/sink.hpp"

namespace lambdascope::store {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kBase = 1763712000000;  // 2025-11-21T08:00:00Z

TEST(TimeFlag, DurationsRfc3339AndEpochMs) {
  int64_t now = kBase + 5 * kHour;
  EXPECT_EQ(parse_time_flag("1h", now), now - kHour);
  EXPECT_EQ(parse_time_flag("30m", now), now - 30 * 60'000);
  EXPECT_EQ(parse_time_flag("2d", now), now - 48 * kHour);
  EXPECT_EQ(parse_time_flag("90s", now), now - 90'000);
  EXPECT_EQ(parse_time_flag("1763712000123", now), 1763712000123);
  EXPECT_EQ(parse_time_flag("2025-11-21T08:00:00Z", now), kBase);
  EXPECT_EQ(parse_time_flag("2025-11-21T08:00:00.25Z", now), kBase + 250);
  EXPECT_EQ(parse_time_flag("2025-11-21T09:30:00+01:30", now), kBase);
  EXPECT_EQ(parse_time_flag("2025-11-21T06:00:00-02:00", now), kBase);
  for (const char* bad :
       {"", "1w", "h", "-1h", "2025-13-01T00:00:00Z", "2025-11-21", "2025-11-21T08:00:00", "yesterday"}) {
    EXPECT_THROW(parse_time_flag(bad, now), std::invalid_argument) << bad;
  }
  // Found by the fuzzer: the multiplication overflowed (undefined behaviour) instead of failing.
  for (const char* huge : {"51565112596167590s", "1111112211214222m", "15651125961671h", "111122242111d"}) {
    EXPECT_THROW(parse_time_flag(huge, now), std::invalid_argument) << huge;
  }
  EXPECT_EQ(parse_time_flag("106751991167d", now), now - 106751991167 * 86'400'000);
  try {
    parse_time_flag("1w", now);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'1w'"), std::string::npos);
  }
}

class DirectoryStore : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("ls-store-reader-" + std::to_string(::getpid()))).string();
    fs::remove_all(root_);
    DirectorySink sink(root_);
    // 48 hours of "api", one profile every 20 minutes, durations 0..143 (i), every 10th an init.
    for (int i = 0; i < 144; ++i) {
      ProfileKey k{"api", kBase + i * 20 * 60'000, i, i % 10 == 0 ? "init" : "invoke",
                   "r" + std::to_string(i)};
      sink.put(object_key("", k), "body" + std::to_string(i), {});
    }
    sink.put(object_key("", {"other_fn", kBase, 5, "invoke", "x"}), "x", {});
    sink.put("api/README.txt", "not ours", {});
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(DirectoryStore, SelectsByKeyAndPrunesHoursOutsideTheRange) {
  DirectoryStoreReader reader(root_);
  ProfileQuery all;
  EXPECT_EQ(reader.list(all).size(), 145u);
  int64_t all_calls = reader.list_calls();

  ProfileQuery q;
  q.function = "api";
  q.since_ms = kBase + 40 * kHour;  // the last 8 hours: i = 120..143
  q.until_ms = kBase + 46 * kHour;  // i < 138
  auto objects = reader.list(q);
  ASSERT_EQ(objects.size(), 18u);
  EXPECT_EQ(objects.front().profile.request_id, "r120");
  EXPECT_EQ(objects.back().profile.request_id, "r137");
  EXPECT_LT(reader.list_calls(), all_calls / 3) << "hours outside the range should not be read";

  q.phase = "init";
  EXPECT_EQ(reader.list(q).size(), 2u);  // r120, r130
  q.phase = "invoke";
  q.min_duration_ms = 131;
  EXPECT_EQ(reader.list(q).size(), 7u);  // 131..137
}

TEST_F(DirectoryStore, SlowestTakesTheLongestAfterTheOtherFilters) {
  DirectoryStoreReader reader(root_);
  ProfileQuery q;
  q.function = "api";
  q.phase = "invoke";
  q.slowest = 3;
  auto objects = reader.list(q);
  std::set<std::string> ids;
  for (const auto& o : objects) ids.insert(o.profile.request_id);
  EXPECT_EQ(ids, (std::set<std::string>{"r143", "r142", "r141"}));
}

TEST_F(DirectoryStore, FetchesEveryObjectOnceWithBoundedWorkers) {
  DirectoryStoreReader reader(root_);
  auto objects = reader.list({});
  std::multiset<std::string> seen;
  fetch_objects(reader, objects, 4, [&](const StoredObject& o, std::string&& body) {
    EXPECT_EQ(body.substr(0, 4) == "body" || body == "x", true);
    seen.insert(o.key);
  });
  EXPECT_EQ(seen.size(), objects.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), objects.size());
}

TEST_F(DirectoryStore, AConsumerErrorOrAFetchErrorStopsAndIsRethrown) {
  DirectoryStoreReader reader(root_);
  auto objects = reader.list({});
  int consumed = 0;
  EXPECT_THROW(fetch_objects(reader, objects, 4,
                             [&](const StoredObject&, std::string&&) {
                               if (++consumed == 10) throw std::runtime_error("bad profile");
                             }),
               std::runtime_error);
  EXPECT_LT(consumed, static_cast<int>(objects.size()));
  // A missing file: a permanent error naming the path.
  objects[3].key = "api/2025/11/21/08/missing.pb.gz";
  try {
    fetch_objects(reader, objects, 3, [](const StoredObject&, std::string&&) {});
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.pb.gz"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lambdascope::store
