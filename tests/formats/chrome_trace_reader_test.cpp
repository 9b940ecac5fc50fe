// Chrome trace reader: the three shared traces (Chrome 69, 70, 116) read with the stacks, counts, threads
// and times an independent derivation finds (simdjson's DOM API over the same events); then the format's
// corners (several profiles, chunk order, cut-off arrays, old CpuProfile events) and bad input.
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
  auto in = InputSource::from_memory("trace.json", json);
  return read_chrome_trace(*in, o);
}

// What the trace holds, derived with the DOM API: folded stacks rooted at the profiled thread's name,
// the number of entries of all samples arrays, and each thread's sample times in order.
struct Expected {
  std::map<std::string, double> count;
  size_t samples = 0;
  std::map<int64_t, std::vector<int64_t>> times_by_tid;
};

Expected derive(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded);
  simdjson::dom::array events =
      doc.is_array() ? doc.get_array().value() : doc["traceEvents"].get_array().value();
  struct Node {
    std::string name;
    int64_t parent = -1;
  };
  struct V8 {
    int64_t pid = -1, tid = -1, start = 0;
    std::map<int64_t, Node> nodes;
    std::vector<int64_t> samples, deltas;
  };
  std::map<std::pair<int64_t, std::string>, V8> profiles;
  std::map<std::pair<int64_t, int64_t>, std::string> thread_names;
  Expected e;
  for (simdjson::dom::element ev : events) {
    std::string_view name;
    if (ev["name"].get(name)) continue;
    int64_t pid = ev["pid"].get_int64().value_unsafe(), tid = ev["tid"].get_int64().value_unsafe();
    if (name == "thread_name")
      thread_names[{pid, tid}] = std::string(ev["args"]["name"].get_string().value());
    if (name != "Profile" && name != "ProfileChunk") continue;
    V8& v8 = profiles[{pid, std::string(ev["id"].get_string().value())}];
    simdjson::dom::object data = ev["args"]["data"].get_object();
    if (name == "Profile") {
      v8.pid = pid;
      v8.tid = tid;
      v8.start = data["startTime"].get_int64();
      continue;
    }
    simdjson::dom::array a;
    if (!data["cpuProfile"]["nodes"].get(a))
      for (simdjson::dom::element n : a) {
        Node& node = v8.nodes[n["id"].get_int64()];
        node.name = std::string(n["callFrame"]["functionName"].get_string().value());
        if (node.name.empty()) node.name = "(anonymous)";
        int64_t parent;
        if (!n["parent"].get(parent)) node.parent = parent;
      }
    if (!data["cpuProfile"]["samples"].get(a))
      for (simdjson::dom::element s : a) v8.samples.push_back(s.get_int64());
    if (!data["timeDeltas"].get(a))
      for (simdjson::dom::element d : a) v8.deltas.push_back(d.get_int64());
  }
  for (auto& [key, v8] : profiles) {
    e.samples += v8.samples.size();
    std::string root = thread_names[{v8.pid, v8.tid}];
    std::replace(root.begin(), root.end(), ' ', '_');  // folded roots are comms, as stackcollapse writes them
    int64_t t = v8.start * 1000;
    for (size_t i = 0; i < v8.samples.size(); ++i) {
      std::vector<std::string> names;
      for (int64_t id = v8.samples[i]; id >= 0; id = v8.nodes.at(id).parent)
        if (!(v8.nodes.at(id).parent < 0 && v8.nodes.at(id).name == "(root)"))
          names.push_back(v8.nodes.at(id).name);
      std::string stack = root;
      for (auto it = names.rbegin(); it != names.rend(); ++it) stack += ";" + *it;
      e.count[stack] += 1;
      t += v8.deltas.at(i) * 1000;
      e.times_by_tid[v8.tid].push_back(t);
    }
  }
  return e;
}

void expect_matches_derivation(const std::string& relative, size_t threads) {
  SCOPED_TRACE(relative);
  std::string json = testing::read_file(testing::shared_data(relative));
  Profile p = read_profile_file(testing::shared_data(relative));  // sniffed
  Expected e = derive(json);
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "chrome-trace");
  EXPECT_EQ(p.num_samples(), e.samples);
  EXPECT_GT(e.samples, 1000u);
  EXPECT_EQ(folded_map(p), e.count);
  ASSERT_EQ(e.times_by_tid.size(), threads);
  for (const auto& [tid, times] : e.times_by_tid) {
    std::vector<int64_t> ours;
    double wall = 0;
    for (size_t i = 0; i < p.num_samples(); ++i)
      if (p.samples.tid[i] == tid) {
        ours.push_back(p.samples.time_ns[i]);
        wall += p.value(i, 1);
        EXPECT_GE(p.value(i, 1), 0);
      }
    EXPECT_EQ(ours, times) << "tid " << tid;
    // No endTime in these traces: the wall times cover first to last sample exactly.
    auto [lo, hi] = std::minmax_element(times.begin(), times.end());
    EXPECT_EQ(wall, static_cast<double>(*hi - *lo)) << "tid " << tid;
  }
}

TEST(ChromeTraceReader, Chrome116TraceEventsObject) {
  expect_matches_derivation("cpuprofile/chrome-trace/Trace-20230603T221323.json", 1);
}
TEST(ChromeTraceReader, Chrome69BareArray) {
  expect_matches_derivation("cpuprofile/chrome-trace/simple.json", 1);
}
TEST(ChromeTraceReader, Chrome70WorkerTwoProfiles) {
  expect_matches_derivation("cpuprofile/chrome-trace/worker.json", 2);
}

TEST(ChromeTraceReader, ThreadsAreTheProfiledOnesNotTheSamplerThreads) {
  Profile p = read_profile_file(testing::shared_data("cpuprofile/chrome-trace/worker.json"));
  std::map<std::pair<int32_t, std::string>, size_t> threads;
  for (size_t i = 0; i < p.num_samples(); ++i)
    ++threads[{p.samples.tid[i], std::string(p.strings[p.samples.thread_name[i]])}];
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_TRUE(threads.count({775, "CrRendererMain"}));
  EXPECT_TRUE(threads.count({7443, "DedicatedWorker thread"}));
  for (size_t i = 0; i < p.num_samples(); ++i) EXPECT_EQ(p.samples.pid[i], 29018);
}

TEST(ChromeTraceReader, CutOffArrayIsClosed) {
  std::string json = testing::read_file(testing::shared_data("cpuprofile/chrome-trace/simple.json"));
  size_t end = json.find_last_of(']');
  std::string cut = json.substr(0, end) + ",\n";
  EXPECT_EQ(folded_map(read_text(cut)), folded_map(read_text(json)));
}

// A synthetic trace: two profiles of one process interleaved, a chunk listed before an earlier one, nodes
// defined in a later chunk than a sample using them... all keyed by (pid, id).
const char* kTwoProfiles = R"J({"traceEvents":[
  {"name":"thread_name","ph":"M","pid":1,"tid":10,"args":{"name":"main"}},
  {"name":"thread_name","ph":"M","pid":1,"tid":20,"args":{"name":"worker"}},
  {"name":"Profile","ph":"P","pid":1,"tid":10,"ts":100,"id":"0x1","args":{"data":{"startTime":1000}}},
  {"name":"Profile","ph":"P","pid":1,"tid":20,"ts":100,"id":"0x2","args":{"data":{"startTime":2000}}},
  {"name":"ProfileChunk","ph":"P","pid":1,"tid":99,"ts":300,"id":"0x1",
   "args":{"data":{"timeDeltas":[5],"cpuProfile":{"samples":[3]}}}},
  {"name":"ProfileChunk","ph":"P","pid":1,"tid":99,"ts":200,"id":"0x1",
   "args":{"data":{"cpuProfile":{"nodes":[{"id":1,"callFrame":{"functionName":"(root)"
}
},
     {"id":2,"parent":1,"callFrame":{"functionName":"a","url":"a.js"}}],"samples":[2,2]
}
, "timeDeltas" : [ 10, 10 ]
}
}
},
  {"name":"ProfileChunk","ph":"P","pid":1,"tid":98,"ts":250,"id":"0x2",
   "args":{"data":{"cpuProfile":{"nodes":[{"id":1,"callFrame":{"functionName":"(root)"}},
     {"id":3,"parent":1,"callFrame":{"functionName":"w"}}],"samples":[3]},"timeDeltas":[1],"endTime":2050}}},
  {"name":"ProfileChunk","ph":"P","pid":1,"tid":99,"ts":350,"id":"0x1",
   "args":{"data":{"cpuProfile":{"nodes":[{"id":3,"parent":2,"callFrame":{"functionName":"b"}}]}}}}
]
})J";

TEST(ChromeTraceReader, InterleavedProfilesAndChunkOrder) {
  Profile p = read_text(kTwoProfiles);
  ASSERT_EQ(p.num_samples(), 4u);
  std::map<std::string, double> expected = {{"main;a", 2}, {"main;a;b", 1}, {"worker;w", 1}};
  EXPECT_EQ(folded_map(p), expected);
  // Profile 0x1: chunks in ts order (200 then 300): 1010, 1020, 1025 µs.
  std::vector<int64_t> main_times;
  for (size_t i = 0; i < p.num_samples(); ++i)
    if (p.samples.tid[i] == 10) main_times.push_back(p.samples.time_ns[i]);
  EXPECT_EQ(main_times, (std::vector<int64_t>{1010000, 1020000, 1025000}));
  // Worker: one sample at 2001 µs lasting until endTime 2050.
  for (size_t i = 0; i < p.num_samples(); ++i)
    if (p.samples.tid[i] == 20) {
      EXPECT_EQ(p.samples.time_ns[i], 2001000);
      EXPECT_EQ(p.value(i, 1), 49000);
    }
  EXPECT_EQ(p.meta.start_ns, 1000000);
  EXPECT_EQ(p.meta.end_ns, 2050000);
}

TEST(ChromeTraceReader, OldCpuProfileEvent) {
  Profile p =
      read_text(R"J([{"name":"CpuProfile","ph":"I","pid":5,"tid":6,"ts":1,"args":{"data":{"cpuProfile":
    {"nodes":[{"id":1,"callFrame":{"functionName":"(root)"},"children":[2]
},{"id":2,"callFrame":{"functionName":"f"}}],
     "startTime":10,"endTime":20,"samples":[2,2],"timeDeltas":[1,2]
}
}
}
},
    {"name":"thread_name","ph":"M","pid":5,"tid":6,"args":{"name":"js"}}])J");
  EXPECT_EQ(folded_map(p), (std::map<std::string, double>{{"js;f", 2}}));
  EXPECT_EQ(p.samples.time_ns, (std::vector<int64_t>{11000, 13000}));
  EXPECT_EQ(p.total(1), 9000);
}

TEST(ChromeTraceReader, ChunksWithoutProfileEventAreSkippedWithAWarning) {
  std::vector<std::string> warnings;
  ReadOptions o;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  std::string json =
      R"J([{"name":"Profile","ph":"P","pid":1,"tid":1,"id":"0x1","args":{"data":{"startTime":0}}},
    {"name":"ProfileChunk","ph":"P","pid":1,"tid":2,"id":"0x7","args":{"data":{"cpuProfile":{"samples":[4]},"timeDeltas":[1]}}}])J";
  Profile p = read_text(json, o);
  EXPECT_EQ(p.num_samples(), 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("profile id 0x7"), std::string::npos) << warnings[0];
}

TEST(ChromeTraceReader, AggregateSumsIdenticalSamples) {
  ReadOptions o;
  o.aggregate = true;
  std::string json = testing::read_file(testing::shared_data("cpuprofile/chrome-trace/worker.json"));
  Profile all = read_text(json), agg = read_text(json, o);
  EXPECT_LT(agg.num_samples(), all.num_samples() / 4);
  EXPECT_EQ(folded_map(agg), folded_map(all));
  EXPECT_EQ(folded_map(agg, 1), folded_map(all, 1));
}

void expect_bad(const std::string& json, const std::string& message, const std::string& at = "") {
  SCOPED_TRACE(json);
  try {
    read_text(json);
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
    EXPECT_EQ(what.rfind("trace.json: ", 0), 0u) << what;
    EXPECT_NE(what.find(message), std::string::npos) << what;
    if (!at.empty()) {
      EXPECT_EQ(e.byte_offset(), json.find(at)) << what;
    }
  }
}

TEST(ChromeTraceReader, BadInput) {
  expect_bad(R"J({"traceEvents":[{"name":"X","ph":"X"}]})J", "no V8 CPU profile in this trace");
  expect_bad(R"J({"events":[]})J", "traceEvents: missing (expected the array of trace events)");
  expect_bad(R"J({"traceEvents":{}})J", "traceEvents: expected an array, got an object", "{}");
  expect_bad(R"J([{"name":"Profile","pid":"one","tid":1,"id":"0x1"}])J",
             "[0].pid: expected an integer, got a string", "\"one\"");
  expect_bad(R"J([{"name":"Profile","pid":1,"tid":1e12,"id":"0x1"}])J",
             "[0].tid: expected a 32-bit process or thread id", "1e12");
  expect_bad(R"J([{"name":"ProfileChunk","pid":1,"tid":1,"id":"0x1"}])J",
             "[0].args.data: missing (expected the chunk's cpuProfile and timeDeltas)", "{\"name");
  expect_bad(R"J([{"name":"Profile","pid":1,"tid":1,"id":"0x1","args":{"data":{"startTime":0}}},
    {"name":"ProfileChunk","pid":1,"tid":1,"id":"0x1","args":{"data":{"cpuProfile":{
      "nodes":[{"id":1,"callFrame":{"functionName":"(root)"
}
}],"samples":[1,8]
}
, "timeDeltas" : [ 1, 1 ]
}
}
}])J",
             "[1].args.data.cpuProfile.samples[1]: node id 8 is not among the profile's nodes", "8]");
  expect_bad(R"J([{"name":"Profile","pid":1,"tid":1,"id":"0x1","args":{"data":{"startTime":0}}},
    {"name":"ProfileChunk","pid":1,"tid":1,"id":"0x1","args":{"data":{"cpuProfile":{
      "nodes":[{"id":1,"callFrame":{"functionName":"(root)"
  }
  }],"samples":[1,1]
  }
  , "timeDeltas" : [1]
  }
  }
  }])J",
             "[1].args.data: timeDeltas has 1 entries but samples has 2");
  expect_bad(R"J([{"name":"Profile","pid":1,"tid":1,"id":"0x1","args":{"data":{"startTime":0}}},
    {"name":"ProfileChunk","pid":1,"tid":1,"id":"0x1","args":{"data":{"cpuProfile":{
      "nodes":[{"id":1,"parent":2,"callFrame":{"functionName":"a"}},{"id":2,"parent":1,"callFrame":{"functionName":"b"}}],
      "samples":[1]},"timeDeltas":[1]}}}])J",
             "the parent links form a cycle");
  expect_bad(R"J([{"name":7}])J", "[0].name: expected a string, got a number", "7");
  expect_bad(R"J([{"name":"Profile"}, 3])J", "[1]: expected an object, got a number", "3]");
  expect_bad(R"J([{"name":"Profile",)J", "invalid JSON");
}

}  // namespace
}  // namespace lambdascope::formats
