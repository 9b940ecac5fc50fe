#include "symbolize/perf_map.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::symbolize {
namespace {

TEST(PerfMap, FormatsOfTheRuntimes) {
  PerfMap m("");
  m.parse(
      "2b0b7f0cbf0 f JS:~fn file:///app/x.js:1:37\n"                                         // Node
      "7f3529fcf759 b py::bar:/run/t.py\n"                                                   // CPython
      "00007FB061498090 53 void [System.Private.CoreLib] Foo::Bar(int32)[OptimizedTier1]\n"  // .NET
      "0x1000 0x10 with 0x prefix\r\n");
  EXPECT_EQ(m.size(), 4u);
  EXPECT_EQ(*m.find(0x2b0b7f0cbf0), "JS:~fn file:///app/x.js:1:37");
  EXPECT_EQ(*m.find(0x2b0b7f0cbf0 + 0xe), "JS:~fn file:///app/x.js:1:37");
  EXPECT_EQ(m.find(0x2b0b7f0cbf0 + 0xf), nullptr);
  EXPECT_EQ(*m.find(0x7f3529fcf759 + 0xa), "py::bar:/run/t.py");
  EXPECT_EQ(*m.find(0x7FB061498090), "void [System.Private.CoreLib] Foo::Bar(int32)[OptimizedTier1]");
  EXPECT_EQ(*m.find(0x100f), "with 0x prefix");
}

TEST(PerfMap, BadLinesAreSkipped) {
  PerfMap m("");
  m.parse(
      "zzzz 10 x\n1000 0 zero size\n1000\nffffffffffffffff 10 overflow\n12345678901234567890 1 long\n2000 10 "
      "ok\n");
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.bad_lines(), 5u);
  EXPECT_EQ(*m.find(0x2000), "ok");
}

TEST(PerfMap, NewestEntryWins) {
  PerfMap m("");
  m.parse("1000 100 old\n");
  m.parse("1040 20 new\n");  // code freed and the address reused
  EXPECT_EQ(*m.find(0x1000), "old");
  EXPECT_EQ(*m.find(0x1045), "new");
  EXPECT_EQ(*m.find(0x1070), "old");
  m.parse("0f00 200 newest\n");
  EXPECT_EQ(*m.find(0x1045), "newest");
  EXPECT_EQ(*m.find(0x10ff), "newest");
  EXPECT_EQ(m.size(), 1u);
}

TEST(PerfMap, ReadsIncrementallyAndKeepsHalfWrittenLines) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  std::string path = dir + "/perf-42.map";
  std::ofstream(path) << "1000 10 first\n2000 10 sec";
  PerfMap m(path);
  ASSERT_TRUE(m.reload());
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.find(0x2000), nullptr);
  std::ofstream(path, std::ios::app) << "ond\n3000 10 third\n";
  ASSERT_TRUE(m.reload());
  EXPECT_EQ(*m.find(0x2000), "second");
  EXPECT_EQ(*m.find(0x3000), "third");
  EXPECT_FALSE(PerfMap(dir + "/perf-43.map").reload());
}

}  // namespace
}  // namespace lambdascope::symbolize
