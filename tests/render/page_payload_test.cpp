#include "render/page_payload.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "render/render_test_util.hpp"

namespace lambdascope::render {
namespace {

using test::make_profile;

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  explicit Parsed(const std::string& json) { doc = parser.parse(json); }
};

std::vector<int64_t> ints(simdjson::dom::element e) {
  std::vector<int64_t> out;
  for (auto v : e.get_array()) out.push_back(v.is_int64() ? int64_t(v) : static_cast<int64_t>(double(v)));
  return out;
}
std::vector<std::string> strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  for (auto v : e.get_array()) out.emplace_back(std::string_view(v));
  return out;
}

// The frame names of a payload stack, root first.
std::vector<std::string> stack_names(simdjson::dom::element prof, int64_t stack) {
  auto names = strings(prof["strings"]);
  auto parent = ints(prof["stacks"]["parent"]);
  auto frame = ints(prof["stacks"]["frame"]);
  auto frame_name = ints(prof["frames"]["name"]);
  std::vector<std::string> out;
  for (int64_t s = stack; s != 0; s = parent[s]) out.insert(out.begin(), names[frame_name[frame[s]]]);
  return out;
}

TEST(PagePayload, HeatmapKeepsEverySampleWithTimeDeltas) {
  int64_t base = 663'000'000'000;
  profile::Profile p = make_profile({{"main;work", base + 500'000'000},
                                     {"main;idle;native_safe_halt", base + 1'250'000'000},
                                     {"main;work", base + 900'000'000}},  // out of order: input order is kept
                                    "app");
  PagePayload payload;
  payload.page = PageKind::kHeatmap;
  payload.title = "heat";
  payload.options.rows = 49;
  payload.options.column_s = 2;
  payload.profiles.push_back({&p, {}});
  payload.detail = SampleDetail::kEverySample;
  Parsed j(page_payload_json(payload));
  EXPECT_EQ(std::string_view(j.doc["format"]), "lambdascope-page");
  EXPECT_EQ(int64_t(j.doc["version"]), 1);
  EXPECT_EQ(std::string_view(j.doc["page"]), "heatmap");
  EXPECT_EQ(int64_t(j.doc["options"]["rows"]), 49);
  EXPECT_EQ(int64_t(j.doc["options"]["column_s"]), 2);
  EXPECT_EQ(std::string_view(j.doc["options"]["orientation"]), "flame");
  simdjson::dom::element prof = j.doc["profiles"].at(0);
  EXPECT_EQ(std::string_view(prof["meta"]["time_base_ns"]), "663000000000");
  EXPECT_EQ(std::string_view(prof["meta"]["start_ns"]), "663500000000");
  EXPECT_EQ(std::string_view(prof["meta"]["end_ns"]), "664250000000");
  EXPECT_EQ(int64_t(prof["samples"]["count"]), 3);
  EXPECT_EQ(ints(prof["samples"]["time_delta_ns"]),
            (std::vector<int64_t>{500'000'000, 750'000'000, -350'000'000}));
  EXPECT_EQ(ints(prof["samples"]["pid"]), (std::vector<int64_t>{7, 7, 7}));
  EXPECT_TRUE(prof["samples"]["cpu"].is_null());  // all unknown
  auto threads = ints(prof["samples"]["thread"]);
  EXPECT_EQ(strings(prof["strings"])[threads[0]], "app");
  auto stacks = ints(prof["samples"]["stack"]);
  EXPECT_EQ(stack_names(prof, stacks[1]), (std::vector<std::string>{"main", "idle", "native_safe_halt"}));
  EXPECT_EQ(ints(prof["idle_stacks"]), (std::vector<int64_t>{stacks[1]}));
}

TEST(PagePayload, FlamegraphAggregatesByStackAndThread) {
  profile::Profile p = make_profile({{"a;b", 1}, {"a;c", 2}, {"a;b", 3}, {"a;b", 4}}, "t", {1, 2, 3, 4});
  PagePayload payload;
  payload.profiles.push_back({&p, {}});
  Parsed j(page_payload_json(payload));
  simdjson::dom::element prof = j.doc["profiles"].at(0);
  EXPECT_EQ(int64_t(prof["samples"]["count"]), 2);
  EXPECT_TRUE(prof["samples"]["time_delta_ns"].is_null());
  auto stacks = ints(prof["samples"]["stack"]);
  auto values = ints(prof["samples"]["values"].at(0));
  ASSERT_EQ(stacks.size(), 2u);
  EXPECT_EQ(stack_names(prof, stacks[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(values, (std::vector<int64_t>{8, 2}));
  // Still carries the time base, so a range typed in the page matches the CLI's --from/--to.
  EXPECT_EQ(std::string_view(prof["meta"]["time_base_ns"]), "0");
}

TEST(PagePayload, WritesOnlyWhatTheSamplesUseWithParentsFirst) {
  profile::Profile p;
  p.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.meta.default_sample_type = 1;
  p.meta.set_attribute("cmdline", "./app --x");
  p.meta.comments = {"note"};
  p.intern("an unused string");
  p.intern_stack(std::vector<profile::FrameId>{p.intern_frame("unused_frame")});
  profile::FrameId k = p.intern_frame("do_syscall_64", "[kernel.kallsyms]", profile::FrameKind::kKernel);
  profile::FrameId m = p.intern_frame("main", "/usr/bin/app", profile::FrameKind::kNative, "main.c", 12);
  double v[2] = {1, 10101010};
  profile::SampleRow row;
  row.stack = p.intern_stack(std::vector<profile::FrameId>{m, k});
  row.values = v;
  p.add_sample(row);
  PagePayload payload;
  payload.profiles.push_back({&p, {1}});  // only the cpu column
  Parsed j(page_payload_json(payload));
  simdjson::dom::element prof = j.doc["profiles"].at(0);
  auto names = strings(prof["strings"]);
  EXPECT_EQ(names[0], "");
  EXPECT_EQ(std::find(names.begin(), names.end(), "an unused string"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "unused_frame"), names.end());
  EXPECT_EQ(ints(prof["frames"]["kind"]).size(), 2u);
  auto parent = ints(prof["stacks"]["parent"]);
  auto frame = ints(prof["stacks"]["frame"]);
  ASSERT_EQ(parent.size(), 3u);
  EXPECT_EQ(frame[0], -1);
  for (size_t s = 1; s < parent.size(); ++s) EXPECT_LT(parent[s], static_cast<int64_t>(s));
  auto kinds = ints(prof["frames"]["kind"]);
  auto lines = ints(prof["frames"]["line"]);
  auto files = ints(prof["frames"]["file"]);
  auto leaf = ints(prof["samples"]["stack"])[0];
  EXPECT_EQ(kinds[frame[leaf]], 1);  // kernel
  EXPECT_EQ(lines[frame[parent[leaf]]], 12);
  EXPECT_EQ(names[files[frame[parent[leaf]]]], "main.c");
  auto types = prof["meta"]["sample_types"];
  EXPECT_EQ(types.get_array().size(), 1u);
  EXPECT_EQ(std::string_view(types.at(0)["type"]), "cpu");
  EXPECT_EQ(int64_t(prof["meta"]["default_value"]), 0);
  EXPECT_EQ(ints(prof["samples"]["values"].at(0)), (std::vector<int64_t>{10101010}));
  EXPECT_EQ(std::string_view(prof["meta"]["attributes"]["cmdline"]), "./app --x");
  EXPECT_EQ(std::string_view(prof["meta"]["comments"].at(0)), "note");
  EXPECT_TRUE(prof["meta"]["time_base_ns"].is_null());
  EXPECT_TRUE(prof["samples"]["time_delta_ns"].is_null());
  EXPECT_TRUE(prof["samples"]["thread"].is_null());
}

TEST(PagePayload, UntrustedNamesStayInsideTheirStrings) {
  profile::Profile p = make_profile({{"</script><script>alert(1)//;\"quoted\" \\ \x01\xFF", 1}}, "</script>");
  PagePayload payload;
  payload.title = "<title>";
  payload.options.search = "</script";
  payload.profiles.push_back({&p, {}});
  std::string json = page_payload_json(payload);
  EXPECT_EQ(json.find('<'), std::string::npos);
  Parsed j(json);  // parses: valid JSON and UTF-8
  auto names = strings(j.doc["profiles"].at(0)["strings"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "</script><script>alert(1)//"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "\"quoted\" \\ \x01\xEF\xBF\xBD"), names.end());
}

TEST(PagePayload, DiffCarriesBothProfiles) {
  profile::Profile base = make_profile({{"a;b", 1}});
  profile::Profile next = make_profile({{"a;c", 1}, {"a;c", 2}});
  PagePayload payload;
  payload.page = PageKind::kDiff;
  payload.options.diff_normalize = false;
  payload.profiles = {{&base, {}}, {&next, {}}};
  Parsed j(page_payload_json(payload));
  EXPECT_EQ(std::string_view(j.doc["page"]), "diff");
  EXPECT_FALSE(bool(j.doc["options"]["diff_normalize"]));
  EXPECT_EQ(j.doc["profiles"].get_array().size(), 2u);
  EXPECT_EQ(int64_t(j.doc["profiles"].at(1)["samples"]["count"]), 1);
  EXPECT_EQ(ints(j.doc["profiles"].at(1)["samples"]["values"].at(0)), (std::vector<int64_t>{2}));
}

TEST(PagePayload, RejectsAMissingValueColumn) {
  profile::Profile p = make_profile({{"a", 1}});
  PagePayload payload;
  payload.profiles.push_back({&p, {3}});
  EXPECT_THROW(page_payload_json(payload), std::invalid_argument);
}

}  // namespace
}  // namespace lambdascope::render
