#include "lambda/extension/inbox_profile.hpp"

#include <map>

#include "formats/format.hpp"
#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "lambda/extension/invocation_labels.hpp"
#include "store/object_key.hpp"

namespace lambdascope::lambda::extension {

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Go's mutex profile records where the lock was released; its block profile where goroutines waited.
bool leaves_are_unlocks(const profile::Profile& p) {
  size_t unlocks = 0, samples = 0;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    profile::StackId s = p.samples.stack[i];
    if (s == profile::StackTrie::kRoot) continue;
    ++samples;
    if (ends_with(p.frame_name(p.stacks.frame(s)), ").Unlock")) ++unlocks;
  }
  return samples > 0 && unlocks * 2 > samples;
}

}  // namespace

bool inbox_name_is_final(std::string_view name) {
  return !name.empty() && name[0] != '.' && !ends_with(name, ".tmp") && !ends_with(name, ".part") &&
         !ends_with(name, "~");
}

std::string inbox_profile_type(const profile::Profile& p, std::string_view file_name) {
  if (p.meta.attribute(profile::attr::kSourceFormat) == "cpuprofile") return "cpu";
  bool contention = false;
  for (const profile::ValueType& t : p.meta.sample_types) {
    if (t.type == "cpu" || t.type == "wall") return "cpu";
    if (t.type.starts_with("alloc_") || t.type.starts_with("inuse_")) return "heap";
    if (t.type == "goroutine" || t.type == "threadcreate") return t.type;
    if (t.type == "contentions" || t.type == "delay") contention = true;
  }
  if (!contention) return "other";
  if (contains(file_name, "mutex")) return "mutex";
  if (contains(file_name, "block")) return "block";
  return leaves_are_unlocks(p) ? "mutex" : "block";
}

StoredProfile make_inbox_profile(const std::string& file_name, std::string bytes, const Window& w,
                                 const InboxObjectIds& ids, const InboxNumbering& numbering) {
  if (bytes.empty())
    throw std::runtime_error("empty file (was it written in place? write to a temporary name and rename)");
  auto in = formats::InputSource::from_memory(file_name, std::move(bytes));
  formats::Format format = formats::sniff(in->peek(64 * 1024));
  if (format != formats::Format::kPprof && format != formats::Format::kCpuProfile) {
    throw std::runtime_error("not a pprof profile or a V8 .cpuprofile" +
                             (format == formats::Format::kUnknown
                                  ? std::string()
                                  : " (it reads as " + std::string(formats::format_name(format)) + ")"));
  }
  formats::ReadOptions ro;
  ro.format = format;
  profile::Profile p =
      format == formats::Format::kPprof ? formats::read_pprof(*in, ro) : formats::read_cpuprofile(*in, ro);
  const std::string type = inbox_profile_type(p, file_name);

  // The invocation's labels on every sample, with the sample's own (pprof.Do labels) kept beside them.
  std::vector<profile::Label> ours = invocation_labels(p, w, ids.sandbox);
  ours.push_back({p.intern("profile_type"), p.intern(type), 0, 0});
  std::map<profile::LabelSetId, profile::LabelSetId> relabelled;
  for (profile::LabelSetId& set : p.samples.labels) {
    auto [it, inserted] = relabelled.try_emplace(set, 0);
    if (inserted) {
      std::vector<profile::Label> merged = ours;
      for (const profile::Label& l : p.label_sets.labels(set)) {
        bool shadowed = false;
        for (const profile::Label& o : ours) shadowed = shadowed || o.key == l.key;
        if (!shadowed) merged.push_back(l);
      }
      it->second = p.label_sets.intern(std::move(merged));
    }
    set = it->second;
  }

  const std::string& request_id = window_request_id(w, ids.sandbox);
  for (auto [key, value] : {std::pair<const char*, std::string>{"function", ids.function},
                            {"phase", phase_name(w.phase)},
                            {"request_id", request_id},
                            {"sandbox", ids.sandbox},
                            {"cold_start", w.cold_start ? "true" : "false"},
                            {"profile_type", type}}) {
    if (!value.empty()) p.meta.set_attribute(key, value);
  }
  p.meta.comments.push_back("written by the function's runtime into the lambdascope inbox as " + file_name);
  if (p.meta.time_nanos == 0) p.meta.time_nanos = w.start_ns;

  StoredProfile out;
  out.samples = p.num_samples();
  out.start_ms = w.start_ns / 1000000;
  out.duration_ms = std::max<int64_t>(0, (p.meta.duration_ns + 999999) / 1000000);
  store::ProfileKey key;
  key.function = ids.function;
  key.start_ms = out.start_ms;
  key.duration_ms = out.duration_ms;
  key.phase = phase_name(w.phase);
  key.request_id = request_id;
  int nth = numbering ? numbering(type) : 1;
  key.profile_type = nth > 1 ? type + "." + std::to_string(nth) : type;
  out.key = store::object_key(ids.key_prefix, key);
  out.metadata = {{"function", ids.function},
                  {"request_id", request_id},
                  {"phase", key.phase},
                  {"duration_ms", std::to_string(out.duration_ms)},
                  {"profile_type", type}};
  formats::PprofWriteOptions o;
  o.gzip = true;
  out.body = formats::write_pprof(p, o);
  return out;
}

}  // namespace lambdascope::lambda::extension
