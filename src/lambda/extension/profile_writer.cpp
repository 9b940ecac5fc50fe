#include "lambda/extension/profile_writer.hpp"

#include <charconv>
#include <cmath>

#include "capture/profile_builder.hpp"
#include "formats/writers.hpp"
#include "lambda/extension/invocation_labels.hpp"
#include "profile/profile.hpp"
#include "store/object_key.hpp"

namespace lambdascope::lambda::extension {

namespace {

std::string format_ms(double ms) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 3);
  if (ec != std::errc()) return "0";  // beyond 10^60 ms: never from Lambda
  std::string s(buf, end);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

int64_t realtime_of(const capture::RingInfo& info, uint64_t monotonic_ns) {
  return static_cast<int64_t>(info.anchor_realtime_ns) +
         (static_cast<int64_t>(monotonic_ns) - static_cast<int64_t>(info.anchor_monotonic_ns));
}

int64_t last_sample_ns(const std::vector<capture::RingData>& slices) {
  int64_t last = 0;
  for (const auto& s : slices)
    for (const auto& sample : s.samples) last = std::max(last, realtime_of(s.info, sample.time_ns));
  return last;
}

}  // namespace

ProfileWriter::ProfileWriter(std::string function_name, std::string sandbox_id, std::string key_prefix)
    : function_(std::move(function_name)), sandbox_(std::move(sandbox_id)), prefix_(std::move(key_prefix)) {}

int64_t ProfileWriter::duration_ms(const Window& w, const std::vector<capture::RingData>& slices) const {
  if (w.runtime_duration_ms) return std::llround(std::ceil(*w.runtime_duration_ms));
  int64_t end = w.end_ns;
  // Without runtimeDone the window runs to the next INVOKE, frozen time included: the last sample is the
  // better estimate of when the work ended.
  if (w.invoke_to_invoke && w.phase == Phase::kInvoke) {
    int64_t last = last_sample_ns(slices);
    end = last > w.start_ns ? last : w.start_ns;
  }
  return std::max<int64_t>(0, (end - w.start_ns + 999999) / 1000000);
}

void ProfileWriter::build(profile::Profile& p, const Window& w, const std::vector<capture::RingData>& slices,
                          const std::vector<std::string>& comments, SteadyTime symbolize_by) {
  if (!slices.empty()) default_info_ = slices.front().info;
  capture::init_profile(p, default_info_);
  capture::BuildOptions options;
  options.symbolize_by = symbolize_by;
  // A thread pool waiting for work says nothing about an invocation: left out (and counted) by default.
  options.omit_idle_threads = w.phase == Phase::kInvoke && !keep_idle_threads_;
  options.python_interpreter_frames = python_interpreter_frames_;
  for (const capture::RingData& slice : slices) capture::add_ring(p, slice, symbolizer_, options);

  const std::string request_id = window_request_id(w, sandbox_);
  const std::string status =
      w.status.empty() ? (w.end_from_telemetry || w.invoke_to_invoke ? "" : "unknown") : w.status;
  std::vector<profile::Label> labels = invocation_labels(p, w, sandbox_);
  if (w.invoke_to_invoke) labels.push_back({p.intern("window"), p.intern("invoke-to-invoke"), 0, 0});
  if (!status.empty() && status != "success") labels.push_back({p.intern("status"), p.intern(status), 0, 0});
  profile::LabelSetId set = p.label_sets.intern(labels);
  for (auto& l : p.samples.labels) l = set;

  // The window, not the samples, is the profile's time span.
  p.meta.time_nanos = w.start_ns;
  p.meta.duration_ns = std::max<int64_t>(0, w.end_ns - w.start_ns);
  p.meta.start_ns = w.start_ns;
  p.meta.end_ns = w.end_ns;

  auto attr = [&](const char* key, const std::string& value) {
    if (!value.empty()) p.meta.set_attribute(key, value);
  };
  auto attr_ms = [&](const char* key, const std::optional<double>& v) {
    if (v) attr(key, format_ms(*v));
  };
  attr("function", function_);
  attr("phase", phase_name(w.phase));
  attr("request_id", request_id);
  attr("sandbox", sandbox_);
  attr("cold_start", w.cold_start ? "true" : "false");
  attr("status", status);
  attr("error_type", w.error_type);
  attr("initialization_type", w.initialization_type);
  attr("window", w.invoke_to_invoke ? "invoke-to-invoke" : "telemetry");
  attr_ms("duration_ms", w.duration_ms);
  attr_ms("billed_duration_ms", w.billed_duration_ms);
  attr_ms("memory_size_mb", w.memory_size_mb);
  attr_ms("max_memory_used_mb", w.max_memory_used_mb);
  attr_ms("init_duration_ms", w.init_duration_ms);
  attr_ms("runtime_duration_ms", w.runtime_duration_ms);
  if (w.invoke_to_invoke)
    p.meta.comments.push_back(
        "window: the Telemetry API is not available, so this profile runs from the INVOKE event to the next "
        "INVOKE or SHUTDOWN (it includes what ran after the response)");
  if (!w.note.empty()) p.meta.comments.push_back("window: " + w.note);
  for (const std::string& c : comments) p.meta.comments.push_back(c);
}

void ProfileWriter::prepare(const std::vector<capture::RingData>& slices) {
  if (slices.empty()) return;
  profile::Profile scratch;
  capture::init_profile(scratch, slices.front().info);
  for (const capture::RingData& slice : slices) capture::add_ring(scratch, slice, symbolizer_);
}

StoredProfile ProfileWriter::write(const Window& w, const std::vector<capture::RingData>& slices,
                                   const std::vector<std::string>& comments, SteadyTime symbolize_by) {
  profile::Profile p;
  build(p, w, slices, comments, symbolize_by);
  StoredProfile out;
  out.samples = p.num_samples();
  out.frames = p.frames.size();
  out.unsymbolized = p.unsymbolized_frames();
  out.start_ms = w.start_ns / 1000000;
  out.duration_ms = duration_ms(w, slices);
  store::ProfileKey key;
  key.function = function_;
  key.start_ms = out.start_ms;
  key.duration_ms = out.duration_ms;
  key.phase = phase_name(w.phase);
  key.request_id = w.phase == Phase::kInit ? sandbox_ : w.request_id;
  out.key = store::object_key(prefix_, key);
  out.metadata = {{"function", function_},
                  {"request_id", key.request_id},
                  {"phase", key.phase},
                  {"duration_ms", std::to_string(out.duration_ms)}};
  formats::PprofWriteOptions o;
  o.gzip = true;
  out.body = formats::write_pprof(p, o);
  return out;
}

}  // namespace lambdascope::lambda::extension
