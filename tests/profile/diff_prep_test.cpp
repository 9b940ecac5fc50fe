#include "profile/diff_prep.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "formats/writers.hpp"
#include "profile/diff.hpp"
#include "render/render_test_util.hpp"
#include "support/test_support.hpp"

namespace lambdascope::profile {
namespace {

std::string data(const std::string& name) {
  return lambdascope::testing::read_file(
      lambdascope::testing::shared_data("folded/inferno-diff-folded-tests/" + name));
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines = render::test::split(text, '\n');
  std::erase(lines, "");
  std::sort(lines.begin(), lines.end());
  return lines;
}

// difffolded.pl's output for two folded files, the way `lambdascope diff --folded` computes it.
std::string diff_folded(const std::string& before, const std::string& after, bool normalize, bool strip) {
  profile::Profile a = render::test::parse_folded(data(before));
  profile::Profile b = render::test::parse_folded(data(after));
  if (strip) {
    a = strip_hex_addresses(a);
    b = strip_hex_addresses(b);
  }
  profile::Profile d = profile::diff(a, b, {0, 0, false});
  if (normalize) difffolded_normalize(d);
  formats::FoldedWriteOptions o;
  o.annotate_kernel = o.annotate_jit = o.annotate_inlined = true;  // the fixtures' frames carry _[k]
  return formats::write_folded_diff(d, o);
}

TEST(DiffFolded, MatchesInferno) {
  EXPECT_EQ(sorted_lines(diff_folded("before.txt", "after.txt", false, false)),
            sorted_lines(data("results/default.txt")));
  EXPECT_EQ(sorted_lines(diff_folded("before.txt", "after.txt", true, false)),
            sorted_lines(data("results/normalize.txt")));
  EXPECT_EQ(sorted_lines(diff_folded("before.txt", "after.txt", false, true)),
            sorted_lines(data("results/strip_hex.txt")));
  // A line without a count is skipped (bad_before.txt lacks one count): same as before minus that line.
  std::vector<std::string> bad = sorted_lines(diff_folded("bad_before.txt", "after.txt", false, false));
  EXPECT_NE(std::find(bad.begin(), bad.end(), "dd;[unknown];read;system_call_[k];__fdget_pos_[k] 0 15"),
            bad.end());
}

TEST(DiffFolded, FractionalCountsStayExact) {
  // inferno's results/fractionals.txt truncates 11.98 to 11; difffolded.pl and we keep the input's value.
  std::vector<std::string> lines =
      sorted_lines(diff_folded("before_fractionals.txt", "after.txt", false, false));
  EXPECT_NE(
      std::find(lines.begin(), lines.end(), "dd;[unknown];read;system_call_[k];__fdget_pos_[k] 11.98 15"),
      lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "dd;[unknown];[dd] 3 7"), lines.end());
}

TEST(StripHex, RenamesAndMergesFrames) {
  profile::Profile p = render::test::make_profile(
      {{"main;0x7f00ab;jit 0xDEAD0", 0}, {"main;0x1234;jit 0xbeef", 0}, {"main;x0y", 0}});
  profile::Profile s = strip_hex_addresses(p);
  EXPECT_EQ(s.num_samples(), 3u);
  EXPECT_EQ(s.samples.stack[0], s.samples.stack[1]);
  auto frames = s.stacks.frames_root_first(s.samples.stack[0]);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(s.frame_name(frames[1]), "0x...");
  EXPECT_EQ(s.frame_name(frames[2]), "jit 0x...");
  EXPECT_EQ(s.frame_name(s.stacks.frames_root_first(s.samples.stack[2])[1]), "x0y");
  EXPECT_EQ(s.total(0), 3);
}

}  // namespace
}  // namespace lambdascope::profile
