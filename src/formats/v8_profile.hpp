// V8's CPU profile (Profiler.Profile in the DevTools protocol): a tree of call-frame nodes and samples that
// each name a leaf node, with the time elapsed since the previous sample. The .cpuprofile reader and the
// Chrome trace reader collect one V8ProfileBuilder per profiled thread; build() turns it into samples of a
// Profile, one per V8 sample, with its time, a count of 1 and the wall time it stands for.
//
// The rules, decided once here for both readers:
// - the parentless "(root)" node is not a frame; "(program)", "(idle)" and "(garbage collector)" are frames
//   (kind native) where V8 put them, so views can tell idle from busy by the leaf;
// - a JavaScript function is FrameKind::kJit (V8 compiles it; the format does not say which tier ran it):
//   callFrame.codeType "JS" where present, else a function with a URL or a non-zero scriptId; everything else
//   is native. An empty functionName is "(anonymous)"; the URL is the frame's module and file; the 0-based
//   lineNumber becomes a 1-based line; the column is dropped (frames have none);
// - sample i is at startTime + timeDeltas[0] + ... + timeDeltas[i]. Negative deltas are kept: the times are
//   V8's, out of order or not;
// - the wall weight of a sample is the time from it to the next sample in time order (what Chrome DevTools
//   and speedscope show); the last one gets the time until endTime, or 0. So wall weights never go
//   negative, and they sum to the time from the first sample to the end of the profile.
// Bad input (a dangling node id, a node with two parents, a cycle of parents, too few time deltas) is a
// ParseError at the place in the JSON where it was read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/json_input.hpp"
#include "profile/profile.hpp"

namespace lambdascope::formats {

// What a node's callFrame says, as read from the JSON.
struct V8CallFrame {
  std::string_view function_name;
  std::string_view url;
  std::string_view code_type;  // "JS", "other", ...; empty when absent (before Chrome 114)
  bool in_script = false;      // scriptId is present and not 0
  int64_t line = -1;           // 0-based; negative when unknown
};

// The sample types of every V8 profile: index 0 {"samples","count"} (the default), index 1
// {"wall","nanoseconds"}; times in the "v8" clock (monotonic, µs resolution).
void set_v8_metadata(profile::Metadata& meta);

// Reads a V8 time in microseconds (an integer or, in traces, a fraction) as nanoseconds.
int64_t read_v8_micros(JsonDocument& doc, od::value v, const JsonPath& path);

struct V8Thread {
  int32_t pid = -1;
  int32_t tid = -1;
  profile::StringId thread_name = 0;
};

struct V8BuildResult {
  size_t samples = 0;
  int64_t first_ns = profile::kNoTime;  // earliest of startTime and the sample times
  int64_t last_ns = profile::kNoTime;   // latest of endTime and the sample times
  int64_t median_interval_ns = 0;       // 0 without times
};

class V8ProfileBuilder {
 public:
  V8ProfileBuilder(JsonDocument& doc, profile::Profile& out) : doc_(doc), out_(out) {}

  // A node; `parent_id` < 0 when the node has no "parent" member. `where` is the node object.
  void add_node(int64_t id, int64_t parent_id, const V8CallFrame& frame, int64_t hit_count, uint64_t offset,
                const JsonPath& where);
  // An entry of a node's "children" list.
  void add_child(int64_t parent_id, int64_t child_id, uint64_t offset, const JsonPath& where);

  // Chrome traces deliver samples in chunks, each with its own samples and timeDeltas arrays: begin one
  // before adding its samples and deltas. `order` (the event's ts) puts chunks in time order; a .cpuprofile
  // is one chunk.
  void begin_chunk(double order, uint64_t offset, const JsonPath& where);
  void add_sample(int64_t node_id, uint64_t offset, const JsonPath& where);
  void add_time_delta(int64_t delta_ns) { deltas_.push_back(delta_ns); }
  // Absolute sample times instead of deltas (the old format's "timestamps": one per sample, or the start
  // time followed by one per sample).
  void add_time(int64_t time_ns) { times_.push_back(time_ns); }
  void set_start(int64_t ns) { start_ns_ = ns; }
  void set_end(int64_t ns) { end_ns_ = ns; }
  bool has_start() const { return start_ns_ != profile::kNoTime; }
  bool has_end() const { return end_ns_ != profile::kNoTime; }
  // For profiles without a "samples" array: each node's hitCount is its number of samples (times unknown).
  void use_hit_counts() { use_hit_counts_ = true; }

  // Appends the samples to the output profile. With `aggregate`, identical samples are summed and times
  // dropped (ReadOptions::aggregate).
  V8BuildResult build(const V8Thread& thread, bool aggregate);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Node {
    int64_t id;
    int64_t parent_id;
    // The frame, interned only when a sample's stack reaches it. The views point into the JSON document,
    // which outlives the builder.
    std::string_view name, url;
    profile::FrameKind kind;
    uint32_t line;
    bool root_marker;  // "(root)"
    uint32_t parent = kNone;
    uint64_t offset;
    std::string where;
  };
  struct Link {
    int64_t parent_id, child_id;
    uint64_t offset;
    std::string where;
  };
  struct Chunk {
    double order;
    size_t samples_begin, deltas_begin, times_begin;
    uint64_t offset;
    std::string where;
  };
  struct Unresolved {
    size_t sample;
    int64_t id;
    uint64_t offset;
    std::string where;
  };

  void link_parents();
  void check_acyclic();
  profile::StackId stack_of(uint32_t node);

  JsonDocument& doc_;
  profile::Profile& out_;
  std::vector<Node> nodes_;
  std::unordered_map<int64_t, uint32_t> index_of_;
  std::vector<Link> links_;
  std::vector<profile::StackId> stacks_;  // per node, memoized; kUnknownStack until computed
  std::vector<uint32_t> walk_;            // scratch for stack_of
  std::vector<uint32_t> samples_;         // node index, or kNone until resolved
  std::vector<Unresolved> unresolved_;
  std::vector<int64_t> deltas_;
  std::vector<int64_t> times_;
  std::vector<int64_t> hit_counts_;  // parallel to nodes_
  bool use_hit_counts_ = false;
  std::vector<Chunk> chunks_;
  int64_t start_ns_ = profile::kNoTime;
  int64_t end_ns_ = profile::kNoTime;
};

// Reading the JSON of a Profiler.Profile into a builder. A whole profile object: "nodes", "samples",
// "timeDeltas", "startTime", "endTime" in any order, or the older tree form ("head" with nested children and
// absolute "timestamps"; startTime and endTime in seconds). Starts one chunk at `order`.
void read_v8_profile(JsonDocument& doc, od::value value, const JsonPath& path, double order,
                     V8ProfileBuilder& b);
// The parts, for Chrome's ProfileChunk events: a "nodes" array (nodes with "children" lists or "parent"
// ids), a "samples" array of node ids, a "timeDeltas" array in microseconds.
void read_v8_nodes(JsonDocument& doc, od::value nodes, const JsonPath& path, V8ProfileBuilder& b);
void read_v8_samples(JsonDocument& doc, od::value samples, const JsonPath& path, V8ProfileBuilder& b);
void read_v8_time_deltas(JsonDocument& doc, od::value deltas, const JsonPath& path, V8ProfileBuilder& b);

}  // namespace lambdascope::formats
