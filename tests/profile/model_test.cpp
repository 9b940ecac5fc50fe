#include <gtest/gtest.h>

#include "profile/call_tree.hpp"
#include "profile/diff.hpp"
#include "profile/filter.hpp"
#include "profile/make_profile.hpp"
#include "profile/merge.hpp"
#include "profile/profile.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::profile {
namespace {

using test::make;

TEST(StringTable, InternsOnceAndKeepsEmptyAtZero) {
  StringTable t;
  EXPECT_EQ(t[0], "");
  StringId a = t.intern("main");
  EXPECT_EQ(t.intern("main"), a);
  EXPECT_NE(t.intern("other"), a);
  EXPECT_EQ(t[a], "main");
  EXPECT_EQ(t.find("missing"), StringTable::kAbsent);
  for (int i = 0; i < 10000; ++i) t.intern("s" + std::to_string(i));
  EXPECT_EQ(t[t.find("s1234")], "s1234");
  EXPECT_EQ(t.size(), 10003u);
}

TEST(StackTrie, SharesPrefixes) {
  Profile p = make({{"a;b;c", 1}, {"a;b;d", 2}, {"a;b;c", 3}});
  EXPECT_EQ(p.samples.stack[0], p.samples.stack[2]);
  EXPECT_NE(p.samples.stack[0], p.samples.stack[1]);
  EXPECT_EQ(p.stacks.size(), 5u);  // root, a, b, c, d
  EXPECT_EQ(p.stacks.depth(p.samples.stack[1]), 3u);
  auto frames = p.stacks.frames_root_first(p.samples.stack[1]);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(p.frame_name(frames[0]), "a");
  EXPECT_EQ(p.frame_name(frames[2]), "d");
}

TEST(CallTree, SelfAndTotal) {
  Profile p = make({{"a;b;c", 1}, {"a;b", 2}, {"a;b;c", 3}, {"x", 4}});
  CallTree t = CallTree::build(p, {});
  EXPECT_EQ(t.total(), 4);
  ASSERT_EQ(t.node(0).children.size(), 2u);
  const CallTreeNode& a = t.node(t.node(0).children[0]);
  EXPECT_EQ(p.frame_name(a.frame), "a");
  EXPECT_EQ(a.total, 3);
  EXPECT_EQ(a.self, 0);
  const CallTreeNode& b = t.node(a.children[0]);
  EXPECT_EQ(b.self, 1);
  EXPECT_EQ(b.total, 3);
  EXPECT_EQ(t.max_depth(), 3u);
}

TEST(CallTree, GroupsByThreadName) {
  Profile p = make({{"a", 1}});
  Profile q = make({{"a", 1}}, "other");
  const Profile* both[] = {&p, &q};
  Profile m = merge(both);
  CallTreeOptions o;
  o.group_by_thread_name = true;
  CallTree t = CallTree::build(m, o);
  ASSERT_EQ(t.node(0).children.size(), 2u);
  EXPECT_EQ(m.strings[t.node(t.node(0).children[0]).group], "app");
}

TEST(Filter, TimeRangeIsHalfOpen) {
  Profile p = make({{"a", 100}, {"b", 200}, {"c", 300}, {"d", kNoTime}});
  SampleFilter f;
  f.time_begin_ns = 200;
  f.time_end_ns = 300;
  auto sel = select_samples(p, f);
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0], 1u);
}

TEST(Filter, IncludeExcludeRegexOverWholeStack) {
  Profile p = make({{"main;parse;read", 1}, {"main;render", 2}, {"main;parse", 3}});
  SampleFilter f;
  f.include.emplace("^parse$");
  EXPECT_EQ(select_samples(p, f).size(), 2u);
  f.exclude.emplace("read");
  EXPECT_EQ(select_samples(p, f), std::vector<uint32_t>{2});
  Profile sub = filter(p, f);
  EXPECT_EQ(sub.num_samples(), 1u);
  EXPECT_EQ(sub.total(0), 1);
}

TEST(Filter, ByCommAndTid) {
  Profile p = make({{"a", 1}});
  SampleFilter f;
  f.comms = {"app"};
  EXPECT_EQ(select_samples(p, f).size(), 1u);
  f.comms = {"nope"};
  EXPECT_TRUE(select_samples(p, f).empty());
  f.comms.clear();
  f.tids = {8};
  EXPECT_TRUE(select_samples(p, f).empty());
}

TEST(Diff, AlignsStacksAndNormalizes) {
  Profile base = make({{"a;b", 0}, {"a;b", 0}, {"a;c", 0}});
  Profile next = make({{"a;b", 0}, {"a;d", 0}});
  Profile d = diff(base, next);
  ASSERT_EQ(d.num_values(), 2u);
  EXPECT_EQ(d.total(0), 3);
  EXPECT_EQ(d.total(1), 2);
  EXPECT_EQ(d.num_samples(), 3u);  // a;b, a;c (vanished), a;d (new)
  Profile n = diff(base, next, {0, 0, true});
  EXPECT_DOUBLE_EQ(n.total(0), 2);
}

TEST(Aggregate, DropsTimeAndSums) {
  Profile p = make({{"a", 1}, {"a", 2}, {"b", 3}});
  Profile agg = aggregate_samples(p, AggregateKeys{});
  EXPECT_EQ(agg.num_samples(), 2u);
  EXPECT_EQ(agg.total(0), 3);
  EXPECT_FALSE(agg.has_times());
  Profile keep = aggregate_samples(p, AggregateKeys::all());
  EXPECT_EQ(keep.num_samples(), 3u);
}

TEST(Remapper, DeepStacksDoNotRecurse) {
  Profile p;
  p.meta.sample_types = {{"samples", "count"}};
  std::vector<FrameId> frames;
  for (int i = 0; i < 100000; ++i) frames.push_back(p.intern_frame("f" + std::to_string(i % 7)));
  double one = 1;
  SampleRow row;
  row.stack = p.intern_stack(frames);
  row.values = {&one, 1};
  p.add_sample(row);
  Profile copy = subset(p, {0});
  EXPECT_EQ(copy.stacks.depth(copy.samples.stack[0]), 100000u);
}

}  // namespace
}  // namespace lambdascope::profile
