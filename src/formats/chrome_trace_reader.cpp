// Chrome traces (DevTools' Performance panel "Save profile", chrome://tracing, Perfetto's JSON export): the
// Trace Event Format, as {"traceEvents": [...]} or a bare array (whose closing bracket the format lets
// writers leave out). Only the V8 CPU profiles in it are read:
// - a "Profile" event (ph "P") declares a profile of thread (pid, tid) with id and args.data.startTime; its
//   "ProfileChunk" events, keyed by (pid, id), carry args.data.cpuProfile.{nodes, samples} and
//   args.data.timeDeltas, chunk after chunk, several profiles interleaved;
// - an older "CpuProfile" event (ph "I") carries a whole cpuProfile in args.data.
// Thread names come from "thread_name" metadata events (ph "M"). Chunks of a profile whose Profile event is
// missing (cut off by a ring buffer) are skipped with a warning, as speedscope does. Other events (slices,
// counters) are not samples and are ignored.
#include <cmath>
#include <map>
#include <memory>

#include "formats/json_input.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/v8_profile.hpp"

namespace lambdascope::formats {

namespace {

struct TraceProfile {
  std::unique_ptr<V8ProfileBuilder> builder;
  bool declared = false;  // its Profile (or CpuProfile) event was seen
  int32_t pid = -1, tid = -1;
  int64_t declared_ns = profile::kNoTime;  // ts of the declaring event
  std::string id;
  size_t chunks = 0;
};

int64_t micros_to_ns(double us) {
  double ns = std::round(us * 1000.0);
  return std::fabs(ns) < 9.2e18 ? static_cast<int64_t>(ns) : profile::kNoTime;
}

// The JSON Array Format may end without its "]" (a trace written by a process that crashed); close it.
void close_cut_off_array(std::string& bytes) {
  size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && bytes.compare(first, 3, "\xEF\xBB\xBF") == 0)
    first = bytes.find_first_not_of(" \t\r\n", first + 3);
  if (first == std::string::npos || bytes[first] != '[') return;
  size_t last = bytes.find_last_not_of(" \t\r\n");
  if (bytes[last] == ']') return;
  if (bytes[last] == ',') bytes.resize(last);
  bytes += ']';
}

class TraceReader {
 public:
  TraceReader(JsonDocument& doc, profile::Profile& out) : doc_(doc), out_(out) {}

  void read_events(od::value events, const JsonPath& path) {
    doc_.for_each_element(doc_.array(events, path), path,
                          [&](size_t, od::value v, const JsonPath& p) { read_event(v, p); });
  }

  void build(const ReadOptions& options) {
    size_t skipped = 0, declared = 0, largest = 0;
    for (TraceProfile& tp : profiles_) {
      if (!tp.declared) {
        ++skipped;
        if (options.warn && skipped <= 3)
          options.warn(doc_.file() + ": " + std::to_string(tp.chunks) +
                       " ProfileChunk events of profile id " + tp.id + " in pid " + std::to_string(tp.pid) +
                       " have no Profile event (cut off?); their samples are skipped");
        continue;
      }
      ++declared;
      if (!tp.builder->has_start() && tp.declared_ns != profile::kNoTime)
        tp.builder->set_start(tp.declared_ns);
      V8Thread thread;
      thread.pid = tp.pid;
      thread.tid = tp.tid;
      auto name = thread_names_.find({tp.pid, tp.tid});
      if (name != thread_names_.end()) thread.thread_name = out_.intern(name->second);
      V8BuildResult r = tp.builder->build(thread, options.aggregate);
      if (r.first_ns != profile::kNoTime) {
        if (out_.meta.start_ns == profile::kNoTime || r.first_ns < out_.meta.start_ns)
          out_.meta.start_ns = r.first_ns;
        if (out_.meta.end_ns == profile::kNoTime || r.last_ns > out_.meta.end_ns)
          out_.meta.end_ns = r.last_ns;
      }
      if (r.samples > largest) {
        largest = r.samples;
        out_.meta.period = r.median_interval_ns;
      }
    }
    if (options.warn && skipped > 3)
      options.warn(doc_.file() + ": " + std::to_string(skipped) +
                   " profiles without a Profile event skipped");
    if (declared == 0)
      throw ParseError::whole(
          doc_.file(),
          "no V8 CPU profile in this trace: expected Profile and ProfileChunk events (record "
          "with the disabled-by-default-v8.cpu_profiler category) or CpuProfile events");
    if (out_.meta.start_ns != profile::kNoTime &&
        __builtin_sub_overflow(out_.meta.end_ns, out_.meta.start_ns, &out_.meta.duration_ns))
      out_.meta.duration_ns = 0;
  }

 private:
  int32_t read_int32(od::object& e, std::string_view key, const JsonPath& path) {
    od::value v;
    if (!doc_.find(e, key, path, &v)) return -1;
    JsonPath p(path, key);
    int64_t i = doc_.integer(v, p);
    if (i < INT32_MIN || i > INT32_MAX)
      doc_.fail_at(v, p, "expected a 32-bit process or thread id, got " + std::to_string(i));
    return static_cast<int32_t>(i);
  }

  // Profile ids are strings ("0x2") in Chrome, numbers in some other writers.
  std::string read_profile_id(od::object& e, const JsonPath& path, int32_t tid) {
    od::value v;
    if (!doc_.find(e, "id", path, &v)) return "tid:" + std::to_string(tid);
    JsonPath p(path, "id");
    od::json_type t;
    if (!v.type().get(t) && t == od::json_type::number) return std::to_string(doc_.integer(v, p));
    return std::string(doc_.string(v, p));
  }

  TraceProfile& profile_for(int32_t pid, const std::string& id) {
    auto [it, inserted] = index_.try_emplace({pid, id}, profiles_.size());
    if (inserted) {
      profiles_.emplace_back();
      profiles_.back().builder = std::make_unique<V8ProfileBuilder>(doc_, out_);
      profiles_.back().pid = pid;
      profiles_.back().id = id;
    }
    return profiles_[it->second];
  }

  // args.data of a Profile or ProfileChunk event.
  void read_profile_data(od::value data, const JsonPath& path, double order, TraceProfile& tp,
                         bool declaring) {
    uint64_t offset = doc_.offset_of(data);
    V8ProfileBuilder& b = *tp.builder;
    b.begin_chunk(order, offset, path);
    doc_.for_each_field(doc_.object(data, path), path,
                        [&](std::string_view key, od::value v, const JsonPath& p) {
                          if (key == "cpuProfile") {
                            // Nodes before samples, whatever their order in the chunk.
                            od::object cp = doc_.object(v, p);
                            od::value part;
                            if (doc_.find(cp, "nodes", p, &part))
                              read_v8_nodes(doc_, part, JsonPath(p, "nodes"), b);
                            if (doc_.find(cp, "samples", p, &part))
                              read_v8_samples(doc_, part, JsonPath(p, "samples"), b);
                          } else if (key == "timeDeltas") {
                            read_v8_time_deltas(doc_, v, p, b);
                          } else if (key == "startTime") {
                            if (declaring || !b.has_start()) b.set_start(read_v8_micros(doc_, v, p));
                          } else if (key == "endTime") {
                            b.set_end(read_v8_micros(doc_, v, p));
                          }
                        });
  }

  void read_event(od::value value, const JsonPath& path) {
    uint64_t offset = doc_.offset_of(value);
    od::object e = doc_.object(value, path);
    od::value v;
    if (!doc_.find(e, "name", path, &v)) return;
    std::string_view name = doc_.string(v, JsonPath(path, "name"));
    bool chunk = name == "ProfileChunk", declare = name == "Profile", whole = name == "CpuProfile";
    if (doc_.find(e, "ts", path, &v)) last_ts_ = doc_.number(v, JsonPath(path, "ts"));
    if (name == "thread_name") {
      int32_t pid = read_int32(e, "pid", path), tid = read_int32(e, "tid", path);
      JsonPath args(path, "args");
      if (!doc_.find(e, "args", path, &v)) return;
      od::object a = doc_.object(v, args);
      if (doc_.find(a, "name", args, &v))
        thread_names_[{pid, tid}] = std::string(doc_.string(v, JsonPath(args, "name")));
      return;
    }
    if (!chunk && !declare && !whole) return;
    int32_t pid = read_int32(e, "pid", path), tid = read_int32(e, "tid", path);
    // Every member of the event is looked up before args: On Demand cannot go back once inside it.
    TraceProfile& tp = whole ? profile_for(pid, "CpuProfile#" + std::to_string(profiles_.size()))
                             : profile_for(pid, read_profile_id(e, path, tid));
    if (declare || whole) {
      tp.declared = true;
      tp.tid = tid;
      tp.declared_ns = micros_to_ns(last_ts_);
    } else {
      ++tp.chunks;
    }
    JsonPath args(path, "args");
    JsonPath data(args, "data");
    od::value d;
    bool has_data = false;
    if (doc_.find(e, "args", path, &v)) {
      od::object a = doc_.object(v, args);
      has_data = doc_.find(a, "data", args, &d);
    }
    if (whole) {
      // Each CpuProfile event is a recording of its own.
      if (!has_data) doc_.fail(offset, data, "missing (expected the cpuProfile)");
      od::object dobj = doc_.object(d, data);
      od::value cp;
      JsonPath cp_path(data, "cpuProfile");
      if (!doc_.find(dobj, "cpuProfile", data, &cp))
        doc_.fail(offset, cp_path, "missing (expected an object)");
      read_v8_profile(doc_, cp, cp_path, last_ts_, *tp.builder);
    } else if (has_data) {
      read_profile_data(d, data, last_ts_, tp, declare);
    } else if (chunk) {
      doc_.fail(offset, data, "missing (expected the chunk's cpuProfile and timeDeltas)");
    }
  }

  JsonDocument& doc_;
  profile::Profile& out_;
  std::vector<TraceProfile> profiles_;
  std::map<std::pair<int32_t, std::string>, size_t> index_;
  std::map<std::pair<int32_t, int32_t>, std::string> thread_names_;
  double last_ts_ = 0;
};

}  // namespace

profile::Profile read_chrome_trace(InputSource& in, const ReadOptions& options) {
  std::string bytes = in.read_all();
  close_cut_off_array(bytes);
  JsonDocument doc(in.name(), std::move(bytes));
  profile::Profile p;
  set_v8_metadata(p.meta);
  p.meta.set_attribute(profile::attr::kSourceFormat, "chrome-trace");
  TraceReader reader(doc, p);
  od::value root = doc.root();
  od::json_type t;
  if (!root.type().get(t) && t == od::json_type::array) {
    reader.read_events(root, doc.root_path());
  } else {
    uint64_t offset = doc.offset_of(root);
    od::object obj = doc.object(root, doc.root_path());
    od::value events;
    if (!doc.find(obj, "traceEvents", doc.root_path(), &events))
      doc.fail(offset, JsonPath(doc.root_path(), "traceEvents"),
               "missing (expected the array of trace events)");
    reader.read_events(events, JsonPath(doc.root_path(), "traceEvents"));
  }
  reader.build(options);
  return p;
}

}  // namespace lambdascope::formats
