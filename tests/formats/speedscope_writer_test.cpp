// speedscope writer: the output follows speedscope's schema (checked structurally with simdjson's DOM API),
// its totals per stack, measured from the written events and weights, equal ours, and write → read gives
// back the same folded stacks for every shared JSON profile; then timelines, threads, escaping and units.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>

#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "support/folded_map.hpp"
#include "support/test_support.hpp"
#include "text/utf8.hpp"

namespace lambdascope::formats {
namespace {

using profile::kNoTime;
using profile::Profile;

std::string folded(const Profile& p, size_t value_index = kDefaultValue, bool thread_root = true) {
  FoldedWriteOptions o;
  o.value_index = value_index;
  o.thread_root = thread_root;
  return write_folded(p, o);
}

Profile read_back(const std::string& json) {
  auto in = InputSource::from_memory("out.speedscope.json", json);
  return read_profile(*in);  // sniffed as speedscope
}

// Checks the document against speedscope's file-format schema (required members, types, enums, frame indices,
// balanced non-decreasing events) and returns, per "frame;frame;..." (root first), the weight speedscope's
// Left Heavy view shows: sampled weights summed, evented intervals measured.
std::map<std::string, double> check_schema_and_measure(const std::string& json,
                                                       size_t* profile_count = nullptr) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(padded).get(doc), simdjson::SUCCESS) << json.substr(0, 300);
  std::map<std::string, double> measured;
  if (!doc.is_object()) return measured;
  EXPECT_EQ(doc["$schema"].get_string().value(), "https://www.speedscope.app/file-format-schema.json");
  EXPECT_EQ(doc["exporter"].get_string().value(), "lambdascope@0.1.0");
  EXPECT_TRUE(doc["name"].is_string());
  std::vector<std::string> names;
  for (simdjson::dom::element f : doc["shared"]["frames"].get_array()) {
    EXPECT_TRUE(f["name"].is_string());
    names.emplace_back(f["name"].get_string().value());
    simdjson::dom::element x;
    if (!f["file"].get(x)) {
      EXPECT_TRUE(x.is_string());
    }
    if (!f["line"].get(x)) {
      EXPECT_TRUE(x.is_number());
    }
  }
  simdjson::dom::array profiles = doc["profiles"].get_array();
  if (profile_count) *profile_count = profiles.size();
  int64_t active = 0;
  if (!doc["activeProfileIndex"].get(active)) {
    EXPECT_GE(active, 0);
    EXPECT_LT(static_cast<size_t>(active), profiles.size());
  }
  auto frame = [&](simdjson::dom::element f) {
    int64_t i = f.get_int64();
    EXPECT_GE(i, 0);
    EXPECT_LT(static_cast<size_t>(i), names.size());
    return static_cast<size_t>(std::clamp<int64_t>(i, 0, static_cast<int64_t>(names.size()) - 1));
  };
  // Stacks as ids in a small trie (parent id, frame index) -> id; id 0 is the empty stack.
  std::map<std::pair<size_t, size_t>, size_t> trie;
  std::vector<std::pair<size_t, size_t>> nodes = {{0, 0}};
  std::vector<double> weight(1, 0);
  auto child = [&](size_t parent, size_t f) {
    auto [it, inserted] = trie.try_emplace({parent, f}, nodes.size());
    if (inserted) {
      nodes.push_back({parent, f});
      weight.push_back(0);
    }
    return it->second;
  };
  for (simdjson::dom::element p : profiles) {
    std::string_view type = p["type"].get_string();
    EXPECT_TRUE(p["name"].is_string());
    std::string_view unit = p["unit"].get_string();
    EXPECT_TRUE(unit == "none" || unit == "nanoseconds" || unit == "microseconds" || unit == "milliseconds" ||
                unit == "seconds" || unit == "bytes")
        << unit;
    double start = p["startValue"].get_double(), end = p["endValue"].get_double();
    EXPECT_LE(start, end);
    if (type == "sampled") {
      simdjson::dom::array samples = p["samples"].get_array(), weights = p["weights"].get_array();
      EXPECT_EQ(samples.size(), weights.size());
      auto w = weights.begin();
      for (simdjson::dom::element sample : samples) {
        if (w == weights.end()) break;
        size_t id = 0;
        for (simdjson::dom::element f : sample.get_array()) id = child(id, frame(f));
        EXPECT_GE((*w).get_double().value(), 0);
        weight[id] += (*w).get_double();
        ++w;
      }
    } else {
      EXPECT_EQ(type, "evented");
      std::vector<size_t> open = {0};  // stack ids, innermost last
      double last = start;
      for (simdjson::dom::element e : p["events"].get_array()) {
        double at = e["at"].get_double();
        EXPECT_GE(at, last);
        EXPECT_LE(at, end);
        if (open.size() > 1 && at > last) weight[open.back()] += at - last;
        std::string_view t = e["type"].get_string();
        size_t f = frame(e["frame"]);
        if (t == "O") {
          open.push_back(child(open.back(), f));
        } else {
          EXPECT_EQ(t, "C");
          EXPECT_GT(open.size(), 1u);
          if (open.size() <= 1) break;
          EXPECT_EQ(nodes[open.back()].second, f);
          open.pop_back();
        }
        last = at;
      }
      EXPECT_EQ(open.size(), 1u);
    }
  }
  for (size_t id = 1; id < nodes.size(); ++id) {
    if (weight[id] == 0) continue;
    std::string key;
    for (size_t k = id; k != 0; k = nodes[k].first)
      key = names[nodes[k].second] + (key.empty() ? "" : ";") + key;
    measured[key] += weight[id];
  }
  return measured;
}

void expect_near_maps(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    EXPECT_EQ(ia->first, ib->first);
    EXPECT_NEAR(ia->second, ib->second, 1e-9 * std::max(1.0, std::abs(ib->second))) << ia->first;
  }
}

const char* kSharedFiles[] = {
    "cpuprofile/node-busy.cpuprofile",
    "cpuprofile/speedscope-samples/simple.cpuprofile",
    "cpuprofile/speedscope-samples/example.cpuprofile",
    "cpuprofile/speedscope-samples/sucrase.cpuprofile",
    "cpuprofile/chrome-trace/Trace-20230603T221323.json",
    "cpuprofile/chrome-trace/simple.json",
    "cpuprofile/chrome-trace/worker.json",
    "speedscope/speedscope-samples/0.0.1/simple.speedscope.json",
    "speedscope/speedscope-samples/0.0.1/simple-no-pretty-print.speedscope.json",
    "speedscope/speedscope-samples/0.1.2/simple-sampled.speedscope.json",
    "speedscope/speedscope-samples/0.6.0/two-sampled.speedscope.json",
};

// The first `n` samples of `p`: sucrase.cpuprofile's 17,000 deep samples make 18 MB of events, too slow to
// check in a sanitizer build; 1,500 of them keep its deep stacks.
Profile first_samples(const Profile& p, size_t n) {
  if (p.num_samples() <= n) return p;
  Profile out;
  out.meta = p.meta;
  profile::ProfileRemapper remap(p, out);
  for (size_t i = 0; i < n; ++i) remap.copy_sample(i, p.values_of(i));
  return out;
}

TEST(SpeedscopeWriter, EverySharedProfileRoundTripsWithEqualTotals) {
  for (const char* relative : kSharedFiles) {
    SCOPED_TRACE(relative);
    Profile p = first_samples(read_profile_file(testing::shared_data(relative)), 1500);
    for (size_t vi = 0; vi < p.num_values(); ++vi) {
      SCOPED_TRACE(p.meta.sample_types[vi].type);
      SpeedscopeWriteOptions o;
      o.name = std::string(relative).substr(std::string(relative).rfind('/') + 1);
      o.value_index = vi;
      std::string json = write_speedscope(p, o);
      expect_near_maps(check_schema_and_measure(json), testing::folded_map(p, vi, /*thread_root=*/false));
      Profile back = read_back(json);
      ASSERT_EQ(back.num_values(), 1u);
      EXPECT_EQ(folded(back, 0), folded(p, vi));
      // Evented output keeps the order of samples and, in a time unit, their times.
      if (p.has_times() && back.meta.sample_types[0].unit == "nanoseconds") {
        EXPECT_TRUE(back.has_times());
      }
    }
  }
}

TEST(SpeedscopeWriter, OneProfilePerThreadNamedForSpeedscopesMenu) {
  Profile p = read_profile_file(testing::shared_data("cpuprofile/chrome-trace/worker.json"));
  SpeedscopeWriteOptions o;
  o.name = "worker.json";
  std::string json = write_speedscope(p, o);
  size_t profiles = 0;
  check_schema_and_measure(json, &profiles);
  EXPECT_EQ(profiles, 2u);
  EXPECT_NE(json.find(R"J("name":"CrRendererMain (pid 29018, tid 775)")J"), std::string::npos);
  EXPECT_NE(json.find(R"J("name":"DedicatedWorker thread (pid 29018, tid 7443)")J"), std::string::npos);
  Profile back = read_back(json);
  EXPECT_EQ(folded(back, 0), folded(p, 0));
  FoldedWriteOptions tid;
  tid.tid = true;
  EXPECT_EQ(write_folded(back, tid), write_folded(p, tid));
}

// A profile built by hand: one thread, stacks given as "a;b", one value in `unit`, optional times.
Profile make(const std::vector<std::tuple<std::string, double, int64_t>>& samples,
             std::string unit = "nanoseconds", int32_t tid = 7, std::string comm = "app") {
  Profile p;
  p.meta.sample_types = {{"cpu", unit}};
  for (const auto& [stack, weight, time] : samples) {
    std::vector<profile::FrameId> frames;
    for (size_t pos = 0; pos <= stack.size();) {
      size_t end = stack.find(';', pos);
      if (end == std::string::npos) end = stack.size();
      if (end > pos) frames.push_back(p.intern_frame(stack.substr(pos, end - pos), "lib.so"));
      pos = end + 1;
    }
    profile::SampleRow row;
    row.stack = p.intern_stack(frames);
    row.values = {&weight, 1};
    row.time_ns = time;
    row.pid = 1;
    row.tid = tid;
    row.thread_name = p.intern(comm);
    p.add_sample(row);
  }
  return p;
}

// The events of the first profile as "O a @0, C a @5, ...".
std::string events_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded);
  std::vector<std::string> names;
  for (simdjson::dom::element f : doc["shared"]["frames"].get_array())
    names.emplace_back(f["name"].get_string().value());
  std::string out;
  for (simdjson::dom::element e : doc["profiles"].at(0)["events"].get_array()) {
    if (!out.empty()) out += ", ";
    out += std::string(e["type"].get_string().value()) + " " + names[e["frame"].get_uint64().value()] + " @" +
           std::to_string(static_cast<int64_t>(e["at"].get_double().value()));
  }
  return out;
}

TEST(SpeedscopeWriter, TimeUnitIntervalsStartAtSampleTimes) {
  // Out of order on purpose; gaps stay empty, shared frames stay open, an overlap is pushed back.
  Profile p = make({{"a;b", 5, 1100}, {"a;c", 5, 1000}, {"a;c", 5, 1005}, {"a", 10, 1200}, {"a;b", 5, 1203}});
  std::string json = write_speedscope(p);
  EXPECT_EQ(events_of(json),
            "O a @0, O c @0, C c @10, C a @10, O a @100, O b @100, C b @105, C a @105, O a @200, "
            "O b @210, C b @215, C a @215");
  expect_near_maps(check_schema_and_measure(json), testing::folded_map(p, 0, /*thread_root=*/false));
  EXPECT_NE(json.find(R"J("unit":"nanoseconds","startValue":0,"endValue":215)J"), std::string::npos) << json;
}

TEST(SpeedscopeWriter, CountsArePackedInTimeOrder) {
  Profile p = make({{"a;b", 1, 30}, {"a;c", 2, 10}, {"x", 1, 20}}, "count");
  std::string json = write_speedscope(p);
  EXPECT_EQ(events_of(json),
            "O a @0, O c @0, C c @2, C a @2, O x @2, C x @3, O a @3, O b @3, C b @4, C a @4");
  EXPECT_NE(json.find(R"J("unit":"none")J"), std::string::npos);
}

TEST(SpeedscopeWriter, UntimedThreadsAreSampledWithRunsMerged) {
  Profile p =
      make({{"a;b", 1, kNoTime}, {"a;b", 2, kNoTime}, {"a", 0, kNoTime}, {"c", 4, kNoTime}, {"", 3, kNoTime}},
           "bytes");
  std::string json = write_speedscope(p);
  EXPECT_NE(
      json.find(
          R"J("type":"sampled","name":"app (pid 1, tid 7)","unit":"bytes","startValue":0,"endValue":7,)J"
          R"J("samples":[[0,1],[2]],"weights":[3,4])J"),
      std::string::npos)
      << json;
}

TEST(SpeedscopeWriter, ActiveProfileIsTheHeaviestThread) {
  Profile p = make({{"a", 1, 5}}, "nanoseconds", 1, "light");
  Profile heavy = make({{"b", 9, 5}}, "nanoseconds", 2, "heavy");
  profile::ProfileRemapper remap(heavy, p);
  remap.copy_sample(0, heavy.values_of(0));
  std::string json = write_speedscope(p);
  size_t n = 0;
  check_schema_and_measure(json, &n);
  EXPECT_EQ(n, 2u);
  EXPECT_NE(json.find(R"J("activeProfileIndex":1)J"), std::string::npos) << json;
}

TEST(SpeedscopeWriter, UntrustedNamesAreEscaped) {
  std::vector<std::string> names = {"quote\"back\\slash", "new\nline\ttab\x01", "caf\xC3\xA9 \xE2\x82\xAC",
                                    "bad\xFF\xC3(utf8",   "</script>",          std::string("nul\0byte", 8)};
  Profile p;
  p.meta.sample_types = {{"samples", "count"}};
  for (const std::string& n : names) {
    profile::FrameId f = p.intern_frame(n, "mod\"ule", profile::FrameKind::kNative, "", 3);
    double one = 1;
    profile::SampleRow row;
    row.stack = p.intern_stack(std::span<const profile::FrameId>(&f, 1));
    row.values = {&one, 1};
    row.thread_name = p.intern("th\"read");
    p.add_sample(row);
  }
  std::string json = write_speedscope(p);
  check_schema_and_measure(json);
  Profile back = read_back(json);
  std::set<std::string> got;
  for (uint32_t f = 0; f < back.frames.size(); ++f) got.insert(std::string(back.frame_name(f)));
  for (const std::string& n : names) {
    std::string expected = text::valid_utf8(n);
    EXPECT_TRUE(got.count(expected)) << expected;
  }
  EXPECT_TRUE(got.count("bad\xEF\xBF\xBD\xEF\xBF\xBD(utf8"));
  EXPECT_EQ(back.strings[back.samples.thread_name[0]], "th\"read");
  EXPECT_EQ(back.strings[back.frames[back.stacks.frame(back.samples.stack[0])].file], "mod\"ule");
}

TEST(SpeedscopeWriter, NegativeWeightsAreAnError) {
  Profile p = make({{"a", -2, kNoTime}}, "count");
  EXPECT_THROW(write_speedscope(p), ParseError);
}

TEST(SpeedscopeWriter, EmptyProfileIsStillAValidFile) {
  Profile p;
  std::string json = write_speedscope(p);
  size_t n = 1;
  EXPECT_TRUE(check_schema_and_measure(json, &n).empty());
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace lambdascope::formats
