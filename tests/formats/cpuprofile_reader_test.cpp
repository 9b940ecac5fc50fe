// V8 .cpuprofile reader: every shared file reads, with stacks, counts, times and wall weights checked
// against an independent derivation (simdjson's DOM API walking the same JSON, not our reader); then the
// format's corners and bad input.
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

using profile::kNoTime;
using profile::Profile;
using testing::folded_map;

Profile read_text(const std::string& json, const std::string& name = "test.cpuprofile", ReadOptions o = {}) {
  auto in = InputSource::from_memory(name, json);
  return read_cpuprofile(*in, o);
}

// The expectation, derived from the JSON with the DOM API: per stack the sample count and the wall time
// (each sample lasts until the next; the last until endTime), and every sample's time.
struct Expected {
  std::map<std::string, double> count, wall;
  std::vector<int64_t> times_ns;
  int64_t start_ns = 0, end_ns = 0;
};

Expected derive(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded);
  struct Node {
    std::string name;
    int64_t parent = -1;
  };
  std::map<int64_t, Node> nodes;
  for (simdjson::dom::element n : doc["nodes"].get_array()) {
    int64_t id = n["id"].get_int64();
    std::string name(n["callFrame"]["functionName"].get_string().value());
    std::replace(name.begin(), name.end(), ';', ':');
    nodes[id].name = name.empty() ? "(anonymous)" : name;
    simdjson::dom::array children;
    if (!n["children"].get(children))
      for (simdjson::dom::element c : children) nodes[c.get_int64()].parent = id;
    int64_t parent;
    if (!n["parent"].get(parent)) nodes[id].parent = parent;
  }
  std::map<int64_t, std::string> memo;
  auto stack_of = [&](int64_t id) -> const std::string& {
    auto known = memo.find(id);
    if (known != memo.end()) return known->second;
    std::vector<std::string> names;
    for (int64_t i = id; i >= 0; i = nodes.at(i).parent)
      if (!(nodes.at(i).parent < 0 && nodes.at(i).name == "(root)")) names.push_back(nodes.at(i).name);
    std::string s;
    for (auto it = names.rbegin(); it != names.rend(); ++it) s += (s.empty() ? "" : ";") + *it;
    return memo[id] = s;
  };
  Expected e;
  e.start_ns = doc["startTime"].get_int64().value() * 1000;
  e.end_ns = doc["endTime"].get_int64().value() * 1000;
  std::vector<int64_t> ids, deltas;
  for (simdjson::dom::element s : doc["samples"].get_array()) ids.push_back(s.get_int64());
  for (simdjson::dom::element d : doc["timeDeltas"].get_array()) deltas.push_back(d.get_int64());
  int64_t t = e.start_ns;
  for (size_t i = 0; i < ids.size(); ++i) {
    t += deltas[i] * 1000;
    e.times_ns.push_back(t);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& s = stack_of(ids[i]);
    e.count[s] += 1;
    // Valid for profiles whose deltas are all positive (asserted by the caller).
    e.wall[s] += i + 1 < ids.size() ? static_cast<double>(deltas[i + 1] * 1000)
                                    : static_cast<double>(std::max<int64_t>(0, e.end_ns - e.times_ns[i]));
  }
  return e;
}

void expect_matches_derivation(const std::string& relative) {
  SCOPED_TRACE(relative);
  std::string json = testing::read_file(testing::shared_data(relative));
  Profile p = read_text(json, relative);
  Expected e = derive(json);
  ASSERT_EQ(p.meta.sample_types.size(), 2u);
  EXPECT_EQ(p.meta.sample_types[0], (profile::ValueType{"samples", "count"}));
  EXPECT_EQ(p.meta.sample_types[1], (profile::ValueType{"wall", "nanoseconds"}));
  EXPECT_EQ(p.meta.default_value_index(), 0u);
  EXPECT_EQ(p.meta.attribute(profile::attr::kTimeClock), "v8");
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "cpuprofile");
  EXPECT_EQ(p.num_samples(), e.times_ns.size());
  EXPECT_EQ(p.samples.time_ns, e.times_ns);
  EXPECT_EQ(p.meta.start_ns, e.start_ns);
  EXPECT_EQ(p.meta.end_ns, std::max(e.end_ns, e.times_ns.back()));
  EXPECT_EQ(folded_map(p, 0, /*thread_root=*/false), e.count);
  EXPECT_EQ(folded_map(p, 1, /*thread_root=*/false), e.wall);
  EXPECT_DOUBLE_EQ(p.total(1),
                   static_cast<double>(std::max(e.end_ns, e.times_ns.back()) - e.times_ns.front()));
}

TEST(CpuprofileReader, NodeBusyMatchesDerivation) {
  expect_matches_derivation("cpuprofile/node-busy.cpuprofile");
}
TEST(CpuprofileReader, SpeedscopeSimpleMatchesDerivation) {
  expect_matches_derivation("cpuprofile/speedscope-samples/simple.cpuprofile");
}
TEST(CpuprofileReader, SucraseMatchesDerivation) {
  expect_matches_derivation("cpuprofile/speedscope-samples/sucrase.cpuprofile");
}

TEST(CpuprofileReader, SniffedAndReadThroughReadProfile) {
  Profile p = read_profile_file(testing::shared_data("cpuprofile/node-busy.cpuprofile"));
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "cpuprofile");
  EXPECT_GT(p.num_samples(), 1000u);
}

TEST(CpuprofileReader, FramesKindsAndSpecialNodes) {
  Profile p = read_profile_file(testing::shared_data("cpuprofile/node-busy.cpuprofile"));
  bool saw_program = false, saw_gc = false, saw_root = false, saw_js = false;
  for (uint32_t f = 0; f < p.frames.size(); ++f) {
    std::string_view name = p.frame_name(f);
    const profile::Frame& fr = p.frames[f];
    if (name == "(root)") saw_root = true;
    if (name == "(program)" || name == "(garbage collector)") {
      (name == "(program)" ? saw_program : saw_gc) = true;
      EXPECT_EQ(fr.kind, profile::FrameKind::kNative);
    }
    if (name == "prepareExecution") {
      saw_js = true;
      EXPECT_EQ(fr.kind, profile::FrameKind::kJit);
      EXPECT_EQ(p.strings[fr.module], "node:internal/process/pre_execution");
      EXPECT_EQ(p.strings[fr.file], "node:internal/process/pre_execution");
      EXPECT_EQ(fr.line, 96u);  // lineNumber 95 is 0-based
    }
  }
  EXPECT_TRUE(saw_program);
  EXPECT_TRUE(saw_gc);
  EXPECT_TRUE(saw_js);
  EXPECT_FALSE(saw_root);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    EXPECT_EQ(p.samples.pid[i], -1);
    EXPECT_EQ(p.samples.tid[i], -1);
  }
}

TEST(CpuprofileReader, OldTreeFormatEqualsTheNewOne) {
  // example.cpuprofile is simple.cpuprofile in v8-profiler-node8's tree form: "head", absolute
  // "timestamps" (the start time first, then one per sample) and startTime/endTime in seconds.
  Profile old_form =
      read_profile_file(testing::shared_data("cpuprofile/speedscope-samples/example.cpuprofile"));
  Profile new_form =
      read_profile_file(testing::shared_data("cpuprofile/speedscope-samples/simple.cpuprofile"));
  EXPECT_EQ(folded_map(old_form, 0, /*thread_root=*/false), folded_map(new_form, 0, /*thread_root=*/false));
  EXPECT_EQ(old_form.samples.time_ns, new_form.samples.time_ns);
  ASSERT_EQ(old_form.num_samples(), 29u);
}

TEST(CpuprofileReader, OldTreeFormat500Deep) {
  // Two JSON levels per call (node object, children array): 500 calls is within the nesting limit.
  std::string json = R"J({"startTime":0,"endTime":1,"samples":[500],"timestamps":[0,7],"head":)J";
  for (int i = 0; i <= 500; ++i)
    json += R"J({"functionName":")J" + (i == 0 ? std::string("(root)") : "f" + std::to_string(i)) +
            R"J(","id":)J" + std::to_string(i) + R"J(,"children":[)J";
  for (int i = 0; i <= 500; ++i) json += "]}";
  json += "}";
  Profile p = read_text(json);
  ASSERT_EQ(p.num_samples(), 1u);
  EXPECT_EQ(p.stacks.depth(p.samples.stack[0]), 500u);
  EXPECT_EQ(p.samples.time_ns[0], 7000);
}

TEST(CpuprofileReader, ParentLinksAnonymousNamesAndLines) {
  Profile p = read_text(R"J({"nodes":[
    {"id":1,"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1
}
},
    {"id":2,"parent":1,"callFrame":{"functionName":"","scriptId":"7","url":"","lineNumber":4,"columnNumber":2}},
    {"id":3,"parent":2,"callFrame":{"functionName":"leaf","scriptId":0,"url":"app.js","lineNumber":0}},
    {"id":4,"parent":1,"callFrame":{"functionName":"(idle)","scriptId":"0","url":""}}],
    "startTime":100,"endTime":200,"samples":[3,4,3],"timeDeltas":[10,20,30]
})J");
  ASSERT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.samples.time_ns, (std::vector<int64_t>{110000, 130000, 160000}));
  EXPECT_EQ(p.value(0, 1), 20000);
  EXPECT_EQ(p.value(1, 1), 30000);
  EXPECT_EQ(p.value(2, 1), 40000);  // until endTime
  auto frames = p.stacks.frames_root_first(p.samples.stack[0]);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(p.frame_name(frames[0]), "(anonymous)");
  EXPECT_EQ(p.frames[frames[0]].kind, profile::FrameKind::kJit);  // scriptId 7: JavaScript without a URL
  EXPECT_EQ(p.frames[frames[0]].line, 5u);
  EXPECT_EQ(p.frame_name(frames[1]), "leaf");
  EXPECT_EQ(p.frames[frames[1]].kind, profile::FrameKind::kJit);
  EXPECT_EQ(p.frames[frames[1]].line, 1u);
  auto idle = p.stacks.frames_root_first(p.samples.stack[1]);
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(p.frame_name(idle[0]), "(idle)");
  EXPECT_EQ(p.frames[idle[0]].kind, profile::FrameKind::kNative);
}

TEST(CpuprofileReader, CodeTypeDecidesTheKindWhenPresent) {
  Profile p = read_text(R"J({"nodes":[
    {"id":1,"callFrame":{"functionName":"(root)","scriptId":0
}
},
    {"id":2,"parent":1,"callFrame":{"codeType":"other","functionName":"get webstore","scriptId":0,"url":"x.js"}},
    {"id":3,"parent":2,"callFrame":{"codeType":"JS","functionName":"f","scriptId":0}}],
    "startTime":0,"endTime":0,"samples":[3],"timeDeltas":[1]
})J");
  auto frames = p.stacks.frames_root_first(p.samples.stack[0]);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(p.frames[frames[0]].kind, profile::FrameKind::kNative);
  EXPECT_EQ(p.frames[frames[1]].kind, profile::FrameKind::kJit);
}

TEST(CpuprofileReader, NegativeDeltasKeepTrueTimesAndNonNegativeWalls) {
  Profile p = read_text(R"J({"nodes":[{"id":1,"callFrame":{"functionName":"(root)"},"children":[2,3]
},
    {"id":2,"callFrame":{"functionName":"a"}},{"id":3,"callFrame":{"functionName":"b"}}],
    "startTime":1000,"endTime":1100,"samples":[2,3,2,3],"timeDeltas":[10,30,-20,40]
})J");
  // Times 1010, 1040, 1020, 1060 µs: kept in V8's order.
  EXPECT_EQ(p.samples.time_ns, (std::vector<int64_t>{1010000, 1040000, 1020000, 1060000}));
  // Walls by time order: 1010→1020, 1020→1040, 1040→1060, 1060→endTime 1100.
  EXPECT_EQ(p.value(0, 1), 10000);
  EXPECT_EQ(p.value(2, 1), 20000);
  EXPECT_EQ(p.value(1, 1), 20000);
  EXPECT_EQ(p.value(3, 1), 40000);
  EXPECT_EQ(p.total(1), 90000);
}

TEST(CpuprofileReader, HitCountsWithoutSamples) {
  Profile p =
      read_text(R"J({"nodes":[{"id":1,"callFrame":{"functionName":"(root)"},"hitCount":0,"children":[2]
},
    {"id":2,"callFrame":{"functionName":"a"},"hitCount":5}],"startTime":0,"endTime":10
})J");
  ASSERT_EQ(p.num_samples(), 1u);
  EXPECT_EQ(p.value(0, 0), 5);
  EXPECT_EQ(p.samples.time_ns[0], kNoTime);
}

TEST(CpuprofileReader, AggregateSumsIdenticalSamples) {
  ReadOptions o;
  o.aggregate = true;
  std::string path = testing::shared_data("cpuprofile/node-busy.cpuprofile");
  std::string json = testing::read_file(path);
  Profile all = read_text(json), agg = read_text(json, "x", o);
  EXPECT_LT(agg.num_samples(), all.num_samples() / 10);
  EXPECT_EQ(folded_map(agg, 0, /*thread_root=*/false), folded_map(all, 0, /*thread_root=*/false));
  EXPECT_EQ(folded_map(agg, 1, /*thread_root=*/false), folded_map(all, 1, /*thread_root=*/false));
  EXPECT_FALSE(agg.has_times());
}

TEST(CpuprofileReader, BomKeysInAnyOrderAndEmptyProfile) {
  Profile p = read_text(
      "\xEF\xBB\xBF"
      R"J({"timeDeltas":[],"samples":[],"endTime":5,"startTime":1,"nodes":[]})J");
  EXPECT_EQ(p.num_samples(), 0u);
  Profile q = read_text(R"J({"samples":[2],"timeDeltas":[3],"startTime":1,"nodes":[
    {"callFrame":{"functionName":"f"},"id":2}]})J");
  ASSERT_EQ(q.num_samples(), 1u);
  EXPECT_EQ(q.samples.time_ns[0], 4000);
}

// Bad input: a ParseError naming the file, the byte offset of the culprit, its JSON path and what was wrong.
struct Bad {
  std::string json;
  std::string path_and_message;  // expected in what()
  std::string at;                // the error's byte offset is where this text starts in json ("" = no check)
};

void expect_bad(const Bad& b) {
  SCOPED_TRACE(b.json);
  try {
    read_text(b.json, "bad.cpuprofile");
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
    EXPECT_NE(what.find("bad.cpuprofile: byte "), std::string::npos) << what;
    EXPECT_NE(what.find(b.path_and_message), std::string::npos) << what;
    if (!b.at.empty()) {
      size_t expected = b.json.find(b.at);
      ASSERT_NE(expected, std::string::npos);
      EXPECT_EQ(e.byte_offset(), expected) << what;
    }
  }
}

const std::string kNodes = R"J({"nodes":[{"id":1,"callFrame":{"functionName":"(root)"
}
, "children" : [2]
},{"id":2,"callFrame":{"functionName":"a"}}],)J";

TEST(CpuprofileReader, WrongTypes) {
  expect_bad({R"J({"nodes":[{"id":"x","callFrame":{"functionName":"a"}}]})J",
              "nodes[0].id: expected an integer, got a string", "\"x\""});
  expect_bad({R"J({"nodes":[{"id":1,"callFrame":{"functionName":7}}]})J",
              "nodes[0].callFrame.functionName: expected a string, got a number", "7"});
  expect_bad({R"J({"nodes":[{"id":1.5,"callFrame":{"functionName":"a"}}]})J",
              "nodes[0].id: expected an integer, got 1.5", "1.5"});
  expect_bad({R"J({"nodes":{}})J", "nodes: expected an array, got an object", "{}"});
  expect_bad({kNodes + R"J("samples":[2,"2"],"timeDeltas":[1,1],"startTime":0})J",
              "samples[1]: expected an integer, got a string", "\"2\""});
  expect_bad({kNodes + R"J("samples":[2],"timeDeltas":[true],"startTime":0})J",
              "timeDeltas[0]: expected a number, got a boolean", "true"});
  expect_bad({R"J([1,2])J", "expected an object, got an array", "["});
  expect_bad({R"J("text")J", "expected a JSON object or array at the top level, got a string", ""});
}

TEST(CpuprofileReader, MissingFields) {
  expect_bad({R"J({"samples":[]})J", "nodes: missing (expected the array of profile nodes)", ""});
  expect_bad({R"J({"nodes":[{"callFrame":{"functionName":"a"}}]})J", "nodes[0].id: missing", "{\"callFrame"});
  expect_bad({R"J({"nodes":[{"id":1}]})J", "nodes[0].callFrame: missing (expected an object)", "{\"id"});
  expect_bad({R"J({"nodes":[{"id":1,"callFrame":{"url":"x"}}]})J", "nodes[0].callFrame.functionName: missing",
              "{\"url"});
  expect_bad({kNodes + R"J("samples":[2],"timeDeltas":[1]})J", "startTime is missing", ""});
}

TEST(CpuprofileReader, DanglingIdsCyclesAndConflicts) {
  expect_bad({kNodes + R"J("samples":[2,99],"timeDeltas":[1,1],"startTime":0})J",
              "samples[1]: node id 99 is not among the profile's nodes", "99"});
  expect_bad({R"J({"nodes":[{"id":1,"callFrame":{"functionName":"(root)"},"children":[2,5]
},{"id":2,"callFrame":{"functionName":"a"}}]
})J",
              "nodes[0].children[1]: child node id 5 is not among the profile's nodes", "5]"});
  expect_bad({R"J({"nodes":[{"id":1,"parent":3,"callFrame":{"functionName":"a"}}]})J",
              "nodes[0]: parent node id 3 is not among the profile's nodes", "{\"id\":1"});
  expect_bad(
      {R"J({"nodes":[{"id":1,"parent":2,"callFrame":{"functionName":"a"}},{"id":2,"parent":1,"callFrame":{"functionName":"b"}}]})J",
       "the parent links form a cycle", ""});
  expect_bad(
      {R"J({"nodes":[{"id":1,"parent":1,"callFrame":{"functionName":"a"}}]})J", "is its own ancestor", ""});
  expect_bad(
      {R"J({"nodes":[{"id":1,"callFrame":{"functionName":"a"},"children":[3]},{"id":2,"callFrame":{"functionName":"b"},"children":[3]},{"id":3,"callFrame":{"functionName":"c"}}]})J",
       "nodes[1].children[0]: node 3 has two parents, 1 and 2", "3]},{\"id\":3"});
  expect_bad(
      {R"J({"nodes":[{"id":1,"callFrame":{"functionName":"a"}},{"id":1,"callFrame":{"functionName":"b"}}]})J",
       "nodes[1]: node id 1 was already defined at nodes[0]",
       "{\"id\":1,\"callFrame\":{\"functionName\":\"b"});
  expect_bad({kNodes + R"J("samples":[2,2],"timeDeltas":[1],"startTime":0})J",
              "timeDeltas has 1 entries but samples has 2", ""});
  expect_bad({kNodes + R"J("samples":[2,2],"timeDeltas":[10000000000000000,1],"startTime":0})J",
              "timeDeltas[0]: time 10000000000000000 µs is out of range", "10000000000000000"});
  expect_bad(
      {kNodes +
           R"J("samples":[2,2],"timeDeltas":[90000000000000,90000000000000],"startTime":9100000000000000})J",
       "sample times overflow", ""});
  expect_bad({R"J({"nodes":[{"id":1,"hitCount":-4,"callFrame":{"functionName":"a"}}]})J",
              "hitCount is negative", ""});
}

TEST(CpuprofileReader, BrokenJson) {
  std::string good =
      testing::read_file(testing::shared_data("cpuprofile/speedscope-samples/simple.cpuprofile"));
  for (size_t cut : {good.size() - 1, good.size() / 2, size_t{1}, size_t{20}}) {
    SCOPED_TRACE(cut);
    EXPECT_THROW(read_text(good.substr(0, cut)), ParseError);
  }
  try {
    read_text(good + " {}");
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected content after the top-level JSON value"),
              std::string::npos);
    EXPECT_EQ(e.byte_offset(), good.size() + 1);
  }
  expect_bad({R"J({"nodes":[{"id":1,"callFrame":{"functionName":"a"}},]})J", "invalid JSON", ""});
  expect_bad({R"J({"nodes":[{"id":1 "callFrame":{}}]})J", "invalid JSON", ""});
  expect_bad({"{\"nodes\":[{\"id\":1,\"callFrame\":{\"functionName\":\"\xff\"}}]}", "not valid UTF-8", ""});
  // Nesting is bounded before anything recurses over it.
  expect_bad({std::string(100000, '[') + std::string(100000, ']'), "nested more than 1024 deep", ""});
  expect_bad({"{\"nodes\":" + std::string(2000, '[') + std::string(2000, ']') + "}",
              "nested more than 1024 deep", ""});
  EXPECT_THROW(read_text(""), ParseError);
  EXPECT_THROW(read_text("   "), ParseError);
}

}  // namespace
}  // namespace lambdascope::formats
