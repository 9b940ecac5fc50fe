#include "server/selection.hpp"

#include <gtest/gtest.h>

namespace lambdascope::server {
namespace {

std::string parameter_of(const Params& p) {
  try {
    parse_selection(p, 1'000'000'000'000);
  } catch (const BadParameter& e) {
    return e.parameter();
  }
  return "";
}

TEST(Selection, QueryStringsDecode) {
  Params p = parse_query_string("function=api&key=a%2Fb&key=c+d&min_duration=5&empty", "base");
  EXPECT_EQ(p.count("key"), 2u);
  EXPECT_EQ(p.find("function")->second, "api");
  EXPECT_EQ(p.find("key")->second, "a/b");
  EXPECT_EQ(std::next(p.find("key"))->second, "c d");
  EXPECT_EQ(p.find("empty")->second, "");
  try {
    parse_query_string("function=%zz", "new");
    FAIL() << "a bad escape was accepted";
  } catch (const BadParameter& e) {
    EXPECT_EQ(e.parameter(), "new");
  }
}

TEST(Selection, ParsesEveryParameter) {
  Selection s = parse_selection({{"function", "api"},
                                 {"since", "1h"},
                                 {"until", "1000000000000"},
                                 {"phase", "invoke"},
                                 {"min_duration", "5"},
                                 {"max_duration", "90"}},
                                1'000'000'000'000);
  EXPECT_EQ(s.query.function, "api");
  EXPECT_EQ(*s.query.since_ms, 1'000'000'000'000 - 3'600'000);
  EXPECT_EQ(*s.query.until_ms, 1'000'000'000'000);
  EXPECT_EQ(*s.query.min_duration_ms, 5);
  EXPECT_EQ(*s.max_duration_ms, 90);
  Selection f = parse_selection({{"file", "perf.txt"}, {"from", "1.5"}, {"to", "2"}}, 0);
  EXPECT_EQ(f.file, "perf.txt");
  EXPECT_DOUBLE_EQ(*f.from_s, 1.5);
}

TEST(Selection, BadValuesNameTheirParameter) {
  EXPECT_EQ(parameter_of({{"phase", "run"}}), "phase");
  EXPECT_EQ(parameter_of({{"since", "yesterday"}}), "since");
  EXPECT_EQ(parameter_of({{"min_duration", "-1"}}), "min_duration");
  EXPECT_EQ(parameter_of({{"max_duration", "1e3"}}), "max_duration");
  EXPECT_EQ(parameter_of({{"file", "x"}, {"from", "nan"}}), "from");
  EXPECT_EQ(parameter_of({{"to", "3"}}), "to");
  EXPECT_EQ(parameter_of({{"function", "a"}, {"function", "b"}}), "function");
  EXPECT_EQ(parameter_of({{"file", "x"}, {"function", "a"}}), "file");
  EXPECT_EQ(parameter_of({{"function", "a"}}), "");
}

TEST(Selection, OnlyListedNamesResolve) {
  Listing l;
  l.files.push_back({"perf.txt", "/srv/perf.txt", 10});
  l.file_by_name["perf.txt"] = 0;
  Invocation inv;
  inv.object.key = "api/2025/11/21/08/1_5_invoke_r.pb.gz";
  inv.object.profile.function = "api";
  inv.object.profile.phase = "invoke";
  inv.object.profile.duration_ms = 5;
  l.invocations.push_back(inv);
  l.by_function["api"] = {0};
  l.by_key[inv.object.key] = 0;
  Selection s;
  // std::string, not const char*: the NUL byte must reach the resolver (a char pointer would stop before it).
  for (const std::string& name : std::vector<std::string>{"../perf.txt", "/srv/perf.txt", "perf.txt/",
                                                          std::string("perf.txt\0", 9), ""}) {
    s.file = name;
    EXPECT_THROW(resolve_file(l, s), NotFound) << name;
  }
  s.file = "perf.txt";
  EXPECT_EQ(resolve_file(l, s).path, "/srv/perf.txt");
  Selection k;
  k.keys = {"../api/2025/11/21/08/1_5_invoke_r.pb.gz"};
  EXPECT_THROW(resolve(l, k), NotFound);
  k.keys = {inv.object.key};
  EXPECT_EQ(resolve(l, k).size(), 1u);
  Selection f;
  f.query.function = "nobody";
  EXPECT_THROW(resolve(l, f), NotFound);
  f.query.function = "api";
  f.max_duration_ms = 4;
  EXPECT_TRUE(resolve(l, f).empty());
}

}  // namespace
}  // namespace lambdascope::server
