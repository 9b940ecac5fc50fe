// profile::merge and ProfileMerger: one test per rule merge.hpp states (pprof's profile/merge.go rules).
#include "profile/merge.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "profile/make_profile.hpp"

namespace lambdascope::profile {
namespace {

using test::make;

Profile merged(std::initializer_list<const Profile*> inputs) {
  std::vector<const Profile*> v(inputs);
  return merge(v);
}

// N profiles of one sample each, to set metadata on.
std::vector<Profile> inputs(size_t n) {
  std::vector<Profile> v;
  for (size_t i = 0; i < n; ++i) v.push_back(make({{"x", 1}}));
  return v;
}

Profile merged(const std::vector<Profile>& in) {
  std::vector<const Profile*> v;
  for (const Profile& p : in) v.push_back(&p);
  return merge(v);
}

std::string merge_error(std::initializer_list<const Profile*> inputs) {
  try {
    merged(inputs);
  } catch (const MergeError& e) {
    return e.what();
  }
  return "";
}

TEST(Merge, RejectsDifferentSampleTypesNamingTheInput) {
  Profile a = make({{"x", 1}});
  Profile b = make({{"x", 1}});
  Profile c = make({{"x", 1}});
  c.meta.sample_types = {{"cpu", "nanoseconds"}};
  std::string what = merge_error({&a, &b, &c});
  EXPECT_NE(what.find("profile 3 has sample types [cpu/nanoseconds]"), std::string::npos) << what;
  EXPECT_NE(what.find("[samples/count]"), std::string::npos) << what;
  c.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};  // a prefix is not the same either
  EXPECT_THROW(merged({&a, &c}), MergeError);
}

TEST(Merge, RejectsDifferentPeriodTypes) {
  Profile a = make({{"x", 1}});
  Profile b = make({{"x", 1}});
  a.meta.period_type = {"cpu", "nanoseconds"};
  b.meta.period_type = {"wall", "nanoseconds"};
  std::string what = merge_error({&a, &b});
  EXPECT_NE(what.find("profile 2 has period type wall, the first has cpu"), std::string::npos) << what;
}

TEST(Merge, AnUnknownPeriodTypeMatchesAnyOther) {
  Profile a = make({{"x", 1}});
  Profile b = make({{"x", 1}});
  a.meta.period_type = {"cpu", "nanoseconds"};  // b has none (a folded file, say)
  EXPECT_EQ(merged({&a, &b}).meta.period_type, (ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(merged({&b, &a}).total(0), 2);
}

TEST(Merge, EarliestStartWins) {
  std::vector<Profile> in = inputs(3);
  in[0].meta.time_nanos = 3000;
  in[1].meta.time_nanos = 1000;
  in[2].meta.time_nanos = 0;  // unknown: never "earliest"
  in[0].meta.start_ns = 30;
  in[1].meta.start_ns = kNoTime;  // unknown
  in[2].meta.start_ns = 20;
  Profile m = merged(in);
  EXPECT_EQ(m.meta.time_nanos, 1000);
  EXPECT_EQ(m.meta.start_ns, 20);
  Profile first_unknown = merged({&in[2], &in[0]});
  EXPECT_EQ(first_unknown.meta.time_nanos, 3000);
}

TEST(Merge, LatestEndWins) {
  Profile a = make({{"x", 1}});
  Profile b = make({{"x", 1}});
  a.meta.end_ns = 50;
  b.meta.end_ns = kNoTime;
  EXPECT_EQ(merged({&a, &b}).meta.end_ns, 50);
  b.meta.end_ns = 70;
  EXPECT_EQ(merged({&a, &b}).meta.end_ns, 70);
}

TEST(Merge, DurationsAreSummed) {
  std::vector<Profile> in = inputs(3);
  in[0].meta.duration_ns = 5;
  in[1].meta.duration_ns = 7;
  in[2].meta.duration_ns = 0;
  EXPECT_EQ(merged(in).meta.duration_ns, 12);
}

TEST(Merge, PeriodIsTheMaximum) {
  std::vector<Profile> in = inputs(3);
  in[0].meta.period = 10'000'000;
  in[1].meta.period = 20'000'000;
  in[2].meta.period = 5'000'000;
  EXPECT_EQ(merged(in).meta.period, 20'000'000);
}

TEST(Merge, CommentsAreDeduplicatedInFirstSeenOrder) {
  Profile a = make({{"x", 1}});
  Profile b = make({{"x", 1}});
  a.meta.comments = {"c1", "c2"};
  b.meta.comments = {"c3", "c1"};
  EXPECT_EQ(merged({&a, &b}).meta.comments, (std::vector<std::string>{"c1", "c2", "c3"}));
}

TEST(Merge, IdenticalSamplesAreSummed) {
  Profile a = make({{"x;y", kNoTime}, {"x", kNoTime}});
  Profile b = make({{"x;y", kNoTime}});
  Profile m = merged({&a, &b});
  EXPECT_EQ(m.num_samples(), 2u);
  EXPECT_EQ(m.total(0), 3);
  std::map<std::string, double> by_leaf;
  for (uint32_t i = 0; i < m.num_samples(); ++i) {
    auto frames = m.stacks.frames_root_first(m.samples.stack[i]);
    by_leaf[std::string(m.frame_name(frames.back()))] += m.values_of(i)[0];
  }
  EXPECT_EQ(by_leaf, (std::map<std::string, double>{{"x", 1}, {"y", 2}}));
}

TEST(Merge, SamplesDifferingInTimeThreadOrLabelsStayApart) {
  Profile a = make({{"x", 100}});
  Profile other_time = make({{"x", 200}});
  Profile other_thread = make({{"x", 100}}, "worker");
  Profile labelled = make({{"x", 100}});
  StringId key = labelled.intern("request_id");
  labelled.samples.labels[0] = labelled.label_sets.intern({Label{key, labelled.intern("r-1"), 0, 0}});
  Profile same = make({{"x", 100}});
  Profile m = merged({&a, &other_time, &other_thread, &labelled, &same});
  EXPECT_EQ(m.num_samples(), 4u);  // only `same` joins `a`
  EXPECT_EQ(m.total(0), 5);
}

TEST(Merge, SamplesWhoseValuesAreAllZeroAreDropped) {
  Profile a = make({{"x", kNoTime}, {"y", kNoTime}});
  a.samples.values[1] = 0;  // "y" weighs nothing
  Profile m = merged({&a});
  ASSERT_EQ(m.num_samples(), 1u);
  EXPECT_EQ(m.frame_name(m.stacks.frames_root_first(m.samples.stack[0]).back()), "x");
}

TEST(Merge, StreamingEqualsAllAtOnceAndStartsAfreshAfterTake) {
  Profile a = make({{"x;y", 1}, {"x", 2}});
  Profile b = make({{"x;y", 1}, {"z", 3}});
  b.meta.comments = {"from b"};
  ProfileMerger merger;
  merger.add(a);
  merger.add(b);
  EXPECT_EQ(merger.count(), 2u);
  Profile streamed = merger.take();
  Profile at_once = merged({&a, &b});
  EXPECT_EQ(streamed.num_samples(), at_once.num_samples());
  EXPECT_EQ(streamed.total(0), at_once.total(0));
  EXPECT_EQ(streamed.meta.comments, at_once.meta.comments);
  EXPECT_EQ(merger.count(), 0u);
  merger.add(a);  // nothing of b is left over
  Profile again = merger.take();
  EXPECT_EQ(again.total(0), 2);
  EXPECT_TRUE(again.meta.comments.empty());
}

}  // namespace
}  // namespace lambdascope::profile

namespace lambdascope::profile {
namespace {

// The one exception to the sample-type check: an input without samples adds nothing in its types.
TEST(MergeRules, AnInputWithoutSamplesIsNotCheckedForItsSampleTypes) {
  Profile wall = test::make({{"main;handler", 3}});
  wall.meta.sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}, {"cpu", "nanoseconds"}};
  wall.samples.values.assign(3 * wall.num_samples(), 1);
  Profile empty;
  empty.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  empty.meta.comments = {"window without samples"};

  for (auto order :
       {std::vector<const Profile*>{&wall, &empty}, std::vector<const Profile*>{&empty, &wall}}) {
    Profile m = merge(order);
    EXPECT_EQ(m.meta.sample_types, wall.meta.sample_types);
    EXPECT_EQ(m.num_samples(), wall.num_samples());
    EXPECT_NE(std::find(m.meta.comments.begin(), m.meta.comments.end(), "window without samples"),
              m.meta.comments.end());
  }
  // Two inputs with samples still must agree.
  Profile cpu = test::make({{"main;other", 1}});
  cpu.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  cpu.samples.values.assign(2 * cpu.num_samples(), 1);
  std::vector<const Profile*> both{&wall, &cpu};
  EXPECT_THROW(merge(both), MergeError);
}

}  // namespace
}  // namespace lambdascope::profile
