#include "render/flame_layout.hpp"

#include <gtest/gtest.h>

#include "profile/diff.hpp"
#include "render/render_test_util.hpp"

namespace lambdascope::render {
namespace {

using test::make_profile;

// "depth name x w" per rect, in emit order.
std::vector<std::string> describe(const profile::Profile& p, const FlameLayout& l) {
  std::vector<std::string> out;
  for (const FlameRect& r : l.rects) {
    std::string name = r.type == FlameNodeType::kRoot ? "all" : std::string(p.strings[r.name]);
    if (r.type == FlameNodeType::kThread) name = "[" + name + "]";
    out.push_back(std::to_string(r.depth) + " " + name + " " + std::to_string(int(r.x)) + " " +
                  std::to_string(int(r.w)));
  }
  return out;
}

TEST(FlameLayout, NameOrderWithSelfWeightLeftOfCallees) {
  profile::Profile p = make_profile({{"main;zeta", 0}, {"main", 0}, {"main;alpha;x", 0}, {"main;zeta", 0}});
  FlameLayout l = layout_flame_graph(p, {});
  EXPECT_EQ(describe(p, l),
            (std::vector<std::string>{"0 all 0 4", "1 main 0 4", "2 alpha 1 1", "3 x 1 1", "2 zeta 2 2"}));
  EXPECT_EQ(l.total, 4);
  EXPECT_EQ(l.max_depth, 3u);
}

TEST(FlameLayout, SiblingsSortLikeFoldedLines) {
  // "a-b 1" < "a;c 1" in a sorted folded file ('-' < ';'), while "a 1" < "a-b 1" (' ' < '-'): a name that
  // is a prefix of its sibling sorts by the character that follows it in a folded line.
  profile::Profile with_children = make_profile({{"r;a;c", 0}, {"r;a-b", 0}});
  EXPECT_EQ(describe(with_children, layout_flame_graph(with_children, {})),
            (std::vector<std::string>{"0 all 0 2", "1 r 0 2", "2 a-b 0 1", "2 a 1 1", "3 c 1 1"}));
  profile::Profile leaf_only = make_profile({{"r;a", 0}, {"r;a-b", 0}});
  EXPECT_EQ(describe(leaf_only, layout_flame_graph(leaf_only, {})),
            (std::vector<std::string>{"0 all 0 2", "1 r 0 2", "2 a 0 1", "2 a-b 1 1"}));
}

TEST(FlameLayout, ThreadNamesAreTheFirstLevel) {
  profile::Profile p = make_profile({{"main;f", 0}}, "worker");
  FlameLayout l = layout_flame_graph(p, {});
  EXPECT_EQ(describe(p, l),
            (std::vector<std::string>{"0 all 0 1", "1 [worker] 0 1", "2 main 0 1", "3 f 0 1"}));
  FlameLayoutOptions o;
  o.thread_root = false;
  EXPECT_EQ(layout_flame_graph(p, o).rects.size(), 3u);
}

TEST(FlameLayout, ReversePutsLeavesAtTheRootAndTheThreadLast) {
  profile::Profile p = make_profile({{"main;f;leaf", 0}, {"main;g;leaf", 0}, {"main;g", 0}}, "t");
  FlameLayoutOptions o;
  o.reverse = true;
  EXPECT_EQ(
      describe(p, layout_flame_graph(p, o)),
      (std::vector<std::string>{"0 all 0 3", "1 g 0 1", "2 main 0 1", "3 [t] 0 1", "1 leaf 1 2", "2 f 1 1",
                                "3 main 1 1", "4 [t] 1 1", "2 g 2 1", "3 main 2 1", "4 [t] 2 1"}));
}

TEST(FlameLayout, FlameChartMergesOnlyNeighboursInTimeOrder) {
  profile::Profile p = make_profile({{"m;b", 30}, {"m;a", 10}, {"m;a", 20}, {"m;a", 40}});
  FlameLayoutOptions o;
  o.flamechart = true;
  EXPECT_EQ(describe(p, layout_flame_graph(p, o)),
            (std::vector<std::string>{"0 all 0 4", "1 m 0 4", "2 a 0 2", "2 b 2 1", "2 a 3 1"}));
  // Without times on every sample, input order is the time order.
  profile::Profile q = make_profile({{"m;b", 30}, {"m;a", profile::kNoTime}});
  EXPECT_EQ(describe(q, layout_flame_graph(q, o)),
            (std::vector<std::string>{"0 all 0 2", "1 m 0 2", "2 b 0 1", "2 a 1 1"}));
}

TEST(FlameLayout, MinWidthDropsNarrowFramesWithTheirChildren) {
  profile::Profile p = make_profile({{"m;big", 0}, {"m;big", 0}, {"m;big", 0}, {"m;small;deep;deeper", 0}});
  FlameLayoutOptions o;
  o.min_width = 1.5;
  FlameLayout l = layout_flame_graph(p, o);
  EXPECT_EQ(describe(p, l), (std::vector<std::string>{"0 all 0 4", "1 m 0 4", "2 big 0 3"}));
  EXPECT_EQ(l.max_depth, 2u);
}

TEST(FlameLayout, IdleSamplesCanBeLeftOut) {
  profile::Profile p = make_profile({{"swapper;cpu_idle;native_safe_halt", 0}, {"app;work", 0}});
  FlameLayoutOptions o;
  o.exclude_idle = true;
  EXPECT_EQ(describe(p, layout_flame_graph(p, o)),
            (std::vector<std::string>{"0 all 0 1", "1 app 0 1", "2 work 0 1"}));
}

TEST(FlameLayout, DifferentialDeltasAreSelfChanges) {
  profile::Profile base = make_profile({{"m;a", 0}, {"m;a", 0}, {"m;gone", 0}});
  profile::Profile next = make_profile({{"m;a", 0}, {"m;b", 0}, {"m;b", 0}, {"m", 0}});
  profile::Profile d = profile::diff(base, next);
  FlameLayoutOptions o;
  o.value_index = 1;
  o.base_index = 0;
  FlameLayout l = layout_flame_graph(d, o);
  ASSERT_TRUE(l.differential);
  EXPECT_EQ(describe(d, l), (std::vector<std::string>{"0 all 0 4", "1 m 0 4", "2 a 1 1", "2 b 2 2"}));
  EXPECT_EQ(l.rects[1].delta, 1);   // m: self 1 - 0
  EXPECT_EQ(l.rects[2].delta, -1);  // a: 1 - 2
  EXPECT_EQ(l.rects[3].delta, 2);   // b: 2 - 0
  EXPECT_EQ(l.max_abs_delta, 2);    // "gone" (-1) is invisible but counted
}

TEST(FlameLayout, RejectsMissingColumns) {
  profile::Profile p = make_profile({{"a", 0}});
  FlameLayoutOptions o;
  o.value_index = 1;
  EXPECT_THROW(layout_flame_graph(p, o), std::invalid_argument);
}

TEST(FlameLayout, DeepStacksDoNotRecurse) {
  std::string stack = "f0";
  for (int i = 1; i < 20000; ++i) stack += ";f" + std::to_string(i % 7);
  profile::Profile p = make_profile({{stack, 0}});
  FlameLayout l = layout_flame_graph(p, {});
  EXPECT_EQ(l.max_depth, 20000u);
  FlameLayoutOptions o;
  o.flamechart = true;
  EXPECT_EQ(layout_flame_graph(p, o).max_depth, 20000u);
}

TEST(AnnotatedName, AddsStackcollapseSuffixesOnce) {
  EXPECT_EQ(annotated_name("read", profile::FrameKind::kKernel), "read_[k]");
  EXPECT_EQ(annotated_name("read_[k]", profile::FrameKind::kKernel), "read_[k]");
  EXPECT_EQ(annotated_name("Interpreter", profile::FrameKind::kJit), "Interpreter_[j]");
  EXPECT_EQ(annotated_name("inl", profile::FrameKind::kInlined), "inl_[i]");
  EXPECT_EQ(annotated_name("main", profile::FrameKind::kNative), "main");
}

}  // namespace
}  // namespace lambdascope::render
