// speedscope reader: the shared files (sampled, evented, several profiles) read with the totals an
// independent derivation finds (simdjson's DOM API over the same JSON), the two invalid ones fail clearly,
// and the format's corners and bad input.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>

#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "support/folded_map.hpp"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

using profile::Profile;
using testing::folded_map;

Profile read_text(const std::string& json, ReadOptions o = {}) {
  auto in = InputSource::from_memory("test.speedscope.json", json);
  return read_speedscope(*in, o);
}

// Per "profile name;frame;..." the weight: sampled weights summed, evented intervals measured.
std::map<std::string, double> derive(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded);
  std::vector<std::string> names;
  for (simdjson::dom::element f : doc["shared"]["frames"].get_array())
    names.emplace_back(f["name"].get_string().value());
  std::string_view file_name;
  if (doc["name"].get(file_name)) file_name = {};
  std::map<std::string, double> m;
  for (simdjson::dom::element prof : doc["profiles"].get_array()) {
    std::string root(prof["name"].get_string().value());
    root = root == file_name ? "" : root;
    auto key = [&](const std::vector<int64_t>& stack) {
      std::string s = root;
      for (int64_t f : stack) s += (s.empty() ? "" : ";") + names[static_cast<size_t>(f)];
      return s;
    };
    if (prof["type"].get_string().value() == "sampled") {
      simdjson::dom::array samples = prof["samples"].get_array(), weights = prof["weights"].get_array();
      for (size_t i = 0; i < samples.size(); ++i) {
        std::vector<int64_t> stack;
        for (simdjson::dom::element f : samples.at(i).get_array()) stack.push_back(f.get_int64());
        m[key(stack)] += weights.at(i).get_double();
      }
    } else {
      std::vector<int64_t> open;
      double last = 0;
      for (simdjson::dom::element e : prof["events"].get_array()) {
        double at = e["at"].get_double();
        if (!open.empty() && at > last) m[key(open)] += at - last;
        if (e["type"].get_string().value() == "O") {
          open.push_back(e["frame"].get_int64());
        } else {
          open.pop_back();
        }
        last = at;
      }
    }
  }
  return m;
}

void expect_matches_derivation(const std::string& relative) {
  SCOPED_TRACE(relative);
  Profile p = read_profile_file(testing::shared_data(relative));  // sniffed
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "speedscope");
  EXPECT_EQ(folded_map(p), derive(testing::read_file(testing::shared_data(relative))));
  EXPECT_GT(p.num_samples(), 0u);
}

TEST(SpeedscopeReader, SharedFilesMatchDerivation) {
  for (const char* f : {"0.0.1/simple.speedscope.json", "0.0.1/simple-no-pretty-print.speedscope.json",
                        "0.1.2/simple-sampled.speedscope.json", "0.6.0/two-sampled.speedscope.json"})
    expect_matches_derivation(std::string("speedscope/speedscope-samples/") + f);
}

TEST(SpeedscopeReader, EventedIntervalsBecomeTimedSamples) {
  // Unit "none": intervals are samples with their durations as weights, in event order, no times.
  Profile p =
      read_profile_file(testing::shared_data("speedscope/speedscope-samples/0.0.1/simple.speedscope.json"));
  ASSERT_EQ(p.meta.sample_types.size(), 1u);
  EXPECT_EQ(p.meta.sample_types[0], (profile::ValueType{"samples", "count"}));
  ASSERT_EQ(p.num_samples(), 4u);  // [0,2) a;b;c  [2,6) a;b;d  [6,9) a;b;c  [9,14) a;b
  EXPECT_EQ(p.value(0, 0), 2);
  EXPECT_EQ(p.value(1, 0), 4);
  EXPECT_EQ(p.value(2, 0), 3);
  EXPECT_EQ(p.value(3, 0), 5);
  EXPECT_FALSE(p.has_times());

  Profile t = read_text(R"J({"$schema":"https://www.speedscope.app/file-format-schema.json",
    "shared":{"frames":[{"name":"a","file":"a.c","line":7,"col":3},{"name":"b"}]},
    "profiles":[{"type":"evented","name":"x","unit":"milliseconds","startValue":1,"endValue":5,
      "events":[{"type":"O","frame":0,"at":1},{"type":"O","frame":1,"at":1.5},{"at":2,"type":"C","frame":1},
                {"frame":0,"type":"C","at":4}]}]})J");
  ASSERT_EQ(t.num_samples(), 3u);
  EXPECT_EQ(t.meta.sample_types[0], (profile::ValueType{"time", "milliseconds"}));
  EXPECT_EQ(t.samples.time_ns, (std::vector<int64_t>{1000000, 1500000, 2000000}));
  EXPECT_EQ(t.value(0, 0), 0.5);
  EXPECT_EQ(t.value(1, 0), 0.5);
  EXPECT_EQ(t.value(2, 0), 2);
  EXPECT_EQ(t.meta.start_ns, 1000000);
  EXPECT_EQ(t.meta.end_ns, 5000000);
  const profile::Frame& a = t.frames[t.stacks.frames_root_first(t.samples.stack[0])[0]];
  EXPECT_EQ(t.strings[a.file], "a.c");
  EXPECT_EQ(a.line, 7u);
}

TEST(SpeedscopeReader, SeveralProfilesAreThreads) {
  Profile p = read_profile_file(
      testing::shared_data("speedscope/speedscope-samples/0.6.0/two-sampled.speedscope.json"));
  std::map<int32_t, std::string> threads;
  for (size_t i = 0; i < p.num_samples(); ++i)
    threads[p.samples.tid[i]] = p.strings[p.samples.thread_name[i]];
  EXPECT_EQ(threads, (std::map<int32_t, std::string>{{1, "one"}, {2, "two"}}));
  EXPECT_EQ(p.meta.sample_types[0], (profile::ValueType{"time", "seconds"}));
}

TEST(SpeedscopeReader, NamesUnitsAndThreadSuffix) {
  Profile p = read_text(R"J({"name":"file","shared":{"frames":[{"name":"f"}]},"profiles":[
    {"type":"sampled","name":"file","unit":"none","startValue":0,"endValue":1,"samples":[[0]],"weights":[1]},
    {"type":"sampled","name":"node (pid 12, tid 13)","unit":"bytes","startValue":0,"endValue":1,"samples":[[0],[]],
     "weights":[64,0]},
    {"type":"sampled","name":"(tid 9)","unit":"none","startValue":0,"endValue":1,"samples":[[0]],"weights":[2.5]}]})J");
  ASSERT_EQ(p.meta.sample_types.size(), 2u);
  EXPECT_EQ(p.meta.sample_types[1], (profile::ValueType{"space", "bytes"}));
  ASSERT_EQ(p.num_samples(), 4u);
  // The profile named like the file has no thread name; a suffix gives pid and tid back.
  EXPECT_EQ(p.strings[p.samples.thread_name[0]], "");
  EXPECT_EQ(p.samples.tid[0], 1);
  EXPECT_EQ(p.strings[p.samples.thread_name[1]], "node");
  EXPECT_EQ(p.samples.pid[1], 12);
  EXPECT_EQ(p.samples.tid[1], 13);
  EXPECT_EQ(p.value(1, 0), 0);
  EXPECT_EQ(p.value(1, 1), 64);
  EXPECT_EQ(p.samples.stack[2], profile::StackTrie::kRoot);
  EXPECT_EQ(p.strings[p.samples.thread_name[3]], "");
  EXPECT_EQ(p.samples.tid[3], 9);
  EXPECT_EQ(p.value(3, 0), 2.5);
}

TEST(SpeedscopeReader, AggregateSumsIdenticalSamples) {
  ReadOptions o;
  o.aggregate = true;
  Profile p = read_profile_file(
      testing::shared_data("speedscope/speedscope-samples/0.1.2/simple-sampled.speedscope.json"), o);
  EXPECT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.total(0), 14);
}

void expect_bad_file(const std::string& relative, const std::string& message, const std::string& at) {
  std::string path = testing::shared_data(relative);
  std::string json = testing::read_file(path);
  try {
    read_profile_file(path);
    ADD_FAILURE() << relative << ": no error";
  } catch (const ParseError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
    EXPECT_NE(what.find(path + ": byte "), std::string::npos) << what;
    EXPECT_NE(what.find(message), std::string::npos) << what;
    EXPECT_EQ(e.byte_offset(), json.find(at)) << what;
  }
}

TEST(SpeedscopeReader, InvalidSharedFiles) {
  expect_bad_file("speedscope/speedscope-samples/invalid/incomplete-trace.json",
                  "profiles[0].events: frame 0 \"A\" opened at events[0] is never closed",
                  "[{\"type\": \"O\"");
  expect_bad_file(
      "speedscope/speedscope-samples/invalid/out-of-order-events.json",
      "profiles[0].events[6]: closes frame 1 \"B\" but the innermost open frame is 0 \"A\", opened at "
      "events[3]",
      "{\"type\": \"C\", \"frame\": 1");
}

void expect_bad(const std::string& json, const std::string& message, const std::string& at = "") {
  SCOPED_TRACE(json);
  try {
    read_text(json);
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
    EXPECT_EQ(what.rfind("test.speedscope.json: byte ", 0), 0u) << what;
    EXPECT_NE(what.find(message), std::string::npos) << what;
    if (!at.empty()) {
      EXPECT_EQ(e.byte_offset(), json.find(at)) << what;
    }
  }
}

std::string file_with(const std::string& profile) {
  return R"J({"shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":[)J" + profile + "]}";
}

TEST(SpeedscopeReader, BadInput) {
  expect_bad(R"J({"profiles":[]})J", "shared: missing");
  expect_bad(R"J({"shared":{"frames":[]}})J", "profiles: missing (expected an array)");
  expect_bad(R"J({"shared":{"frames":[{"file":"x"}]},"profiles":[]})J", "shared.frames[0].name: missing",
             "{\"file");
  expect_bad(R"J({"shared":{"frames":[{"name":1}]},"profiles":[]})J",
             "shared.frames[0].name: expected a string, got a number", "1}");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"parsecs","samples":[],"weights":[]})J"),
             "profiles[0].unit: unknown unit \"parsecs\"", "\"parsecs\"");
  expect_bad(file_with(R"J({"type":"flat","name":"p","unit":"none"})J"),
             "profiles[0].type: unknown profile type", "\"flat\"");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"none","samples":[[0,2]],"weights":[1]})J"),
             "profiles[0].samples[0][1]: frame index 2 is not in shared.frames (it has 2)", "2]]");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"none","samples":[[0],[1]],"weights":[1]})J"),
             "profiles[0].weights: has 1 entries but samples has 2", "[1]}");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"none","samples":[[0]],"weights":[-1]})J"),
             "profiles[0].weights[0]: weights must not be negative, got -1", "-1");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"none","samples":[[0]]})J"),
             "profiles[0].weights: missing");
  expect_bad(file_with(R"J({"type":"sampled","name":"p","unit":"none","samples":[0],"weights":[1]})J"),
             "profiles[0].samples[0]: expected an array, got a number", "0]");
  expect_bad(file_with(R"J({"type":"evented","name":"p","unit":"none","events":[
    {"type":"O","frame":0,"at":5},{"type":"C","frame":0,"at":4}]})J"),
             "profiles[0].events[1].at: 4 is before the previous event's 5 (events must be in time order)",
             "{\"type\":\"C\"");
  expect_bad(
      file_with(R"J({"type":"evented","name":"p","unit":"none","events":[{"type":"C","frame":0,"at":4}]})J"),
      "profiles[0].events[0]: closes frame 0 \"a\" but no frame is open", "{\"type\":\"C\"");
  expect_bad(
      file_with(R"J({"type":"evented","name":"p","unit":"none","events":[{"type":"O","frame":7,"at":4}]})J"),
      "profiles[0].events[0].frame: frame index 7 is not in shared.frames", "7,");
  expect_bad(
      file_with(R"J({"type":"evented","name":"p","unit":"none","events":[{"type":"X","frame":0,"at":4}]})J"),
      "profiles[0].events[0].type: expected \"O\" or \"C\", got \"X\"", "\"X\"");
  expect_bad(file_with(R"J({"type":"evented","name":"p","unit":"none","events":[{"type":"O","frame":0}]})J"),
             "profiles[0].events[0].at: missing (expected a number)", "{\"type\":\"O\"");
  expect_bad(file_with(R"J({"type":"evented","name":"p","unit":"none"})J"), "profiles[0].events: missing");
  expect_bad(file_with(R"J({"type":"evented","name":"p","events":[]})J"), "profiles[0].unit: missing");
  expect_bad(R"J({"shared":{"frames":[]},"profiles":[]} x)",
             "unexpected content after the top-level JSON value", " x");
  expect_bad(R"J({"shared":{"frames":[]},"profiles":[)J",
             "invalid JSON");
  // Keys in a path are the input's: control characters are shown escaped, the message stays on one line.
  expect_bad("{\"shared\":{\"frames\":[]},\"profiles\":[],\"x\\ny\":[1,}", "x\\x0ay[1]: invalid JSON");
  // Found by fuzzing: garbage inside an object that an unordered member lookup goes back over.
  expect_bad(std::string("{\"shared\":{\"frames\":[{\"name\":\"A\"}]\n\0\0\0},\"profiles\":[]}", 54),
             "shared: invalid JSON: the JSON structure is broken");
}

}  // namespace
}  // namespace lambdascope::formats
