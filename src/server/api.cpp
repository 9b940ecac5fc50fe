#include "server/api.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "formats/format.hpp"
#include "formats/input_source.hpp"
#include "formats/writers.hpp"
#include "profile/diff.hpp"
#include "profile/diff_prep.hpp"
#include "profile/value_choice.hpp"
#include "render/pages.hpp"
#include "server/why_slow.hpp"
#include "text/json_writer.hpp"

namespace lambdascope::server {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
using text::JsonWriter;
constexpr size_t kCachedAnswers = 8;
constexpr size_t kMaxCachedAnswerBytes = 8 << 20;  // 8 answers: at most 64 MB

// Nearest-rank percentile of sorted values.
int64_t percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void member(JsonWriter& w, std::string_view key, int64_t v) {
  w.key(key);
  w.integer(v);
}
void member(JsonWriter& w, std::string_view key, double v) {
  w.key(key);
  w.number(std::round(v * 1000) / 1000);  // microseconds are plenty for milliseconds
}
void member(JsonWriter& w, std::string_view key, std::string_view v) {
  w.key(key);
  w.string(v);
}

// A selection as a query string the other endpoints accept.
std::string selection_string(const std::string& function, const Params& params, std::optional<int64_t> min_ms,
                             std::optional<int64_t> max_ms) {
  std::string out = "function=" + function + "&phase=invoke";  // function names are [A-Za-z0-9._-] in keys
  for (const char* name : {"since", "until"}) {
    auto v = single(params, name);
    if (!v) continue;
    out += std::string("&") + name + "=";
    for (unsigned char c : *v) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        char escaped[4];
        std::snprintf(escaped, sizeof escaped, "%%%02X", c);
        out += escaped;
      }
    }
  }
  if (min_ms) out += "&min_duration=" + std::to_string(*min_ms);
  if (max_ms) out += "&max_duration=" + std::to_string(*max_ms);
  return out;
}
}  // namespace

std::string Api::functions(const Params&) {
  auto listing = catalog_.listing();
  std::string out;
  JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  w.key("functions");
  w.begin_array();
  for (const auto& [name, indices] : listing->by_function) {
    std::vector<int64_t> durations;
    int64_t inits = 0, first = INT64_MAX, last = INT64_MIN;
    // An invocation may hold several objects (the agent's and what the runtime left in the inbox, one per
    // type): it counts once, with the agent's duration, else the longest of its own profiles'.
    std::map<std::string, std::pair<bool, int64_t>> typed_only;  // request id -> (agent seen, duration)
    std::set<std::string> init_sandboxes;
    for (size_t i : indices) {
      const store::ProfileKey& k = listing->invocations[i].object.profile;
      if (k.phase == "init") {
        if (init_sandboxes.insert(k.request_id).second) ++inits;
      } else if (k.profile_type.empty()) {
        durations.push_back(k.duration_ms);
        typed_only[k.request_id] = {true, 0};
      } else if (auto [it, added] = typed_only.try_emplace(k.request_id, false, k.duration_ms); !added) {
        if (!it->second.first) it->second.second = std::max(it->second.second, k.duration_ms);
      }
      first = std::min(first, k.start_ms);
      last = std::max(last, k.start_ms);
    }
    for (const auto& [id, seen] : typed_only)
      if (!seen.first) durations.push_back(seen.second);
    std::sort(durations.begin(), durations.end());
    w.begin_object();
    member(w, "name", name);
    member(w, "invocations", static_cast<int64_t>(durations.size()));
    member(w, "inits", inits);
    member(w, "p50_ms", percentile(durations, 0.5));
    member(w, "p90_ms", percentile(durations, 0.9));
    member(w, "p99_ms", percentile(durations, 0.99));
    member(w, "first_ms", first);
    member(w, "last_ms", last);
    w.end_object();
  }
  w.end_array();
  member(w, "foreign_objects", listing->foreign_objects);
  w.end_object();
  return out;
}

std::string Api::invocations(const Params& params) {
  Selection s = parse_selection(params, now_ms());
  if (!s.file.empty()) throw BadParameter("file", "invocations are stored profiles; file does not apply");
  std::string order = single(params, "order").value_or("start");
  if (order != "start" && order != "duration")
    throw BadParameter("order", "order must be start or duration, got '" + order + "'");
  int64_t limit = 1000;
  if (auto v = single(params, "limit")) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 0 || n > 10'000'000)
      throw BadParameter("limit", "limit must be an integer from 0 to 10000000, got '" + *v + "'");
    limit = n;
  }
  auto listing = catalog_.listing();
  std::vector<const Invocation*> selected = resolve(*listing, s);
  if (order == "duration") {
    std::stable_sort(selected.begin(), selected.end(), [](const Invocation* a, const Invocation* b) {
      return a->object.profile.duration_ms > b->object.profile.duration_ms;
    });
  } else {
    std::stable_sort(selected.begin(), selected.end(), [](const Invocation* a, const Invocation* b) {
      return a->object.profile.start_ms < b->object.profile.start_ms;
    });
  }
  std::string labels = single(params, "labels").value_or("0");
  if (labels != "0" && labels != "1") throw BadParameter("labels", "labels must be 0 or 1");
  std::map<std::string, std::shared_ptr<const profile::Profile>> parsed;
  if (labels == "1") {
    std::vector<const Invocation*> shown(
        selected.begin(), selected.begin() + std::min<int64_t>(limit, static_cast<int64_t>(selected.size())));
    parsed = profiles_.parsed(shown);
  }
  std::string out;
  JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  member(w, "total", static_cast<int64_t>(selected.size()));
  w.key("invocations");
  w.begin_array();
  for (size_t i = 0; i < selected.size() && static_cast<int64_t>(i) < limit; ++i) {
    const store::StoredObject& o = selected[i]->object;
    w.begin_object();
    member(w, "key", o.key);
    member(w, "function", o.profile.function);
    member(w, "start_ms", o.profile.start_ms);
    member(w, "duration_ms", o.profile.duration_ms);
    member(w, "phase", o.profile.phase);
    member(w, "request_id", o.profile.request_id);
    if (!o.profile.profile_type.empty()) member(w, "profile_type", o.profile.profile_type);
    member(w, "bytes", o.size);
    if (auto it = parsed.find(o.key); it != parsed.end()) {
      // What the profile says about its invocation: cold start, status, billed duration, memory, ...
      w.key("labels");
      w.begin_object();
      for (const auto& [k, v] : it->second->meta.attributes) member(w, k, v);
      w.end_object();
      w.key("comments");
      w.begin_array();
      for (const std::string& comment : it->second->meta.comments) w.string(comment);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

std::string Api::files(const Params&) {
  auto listing = catalog_.listing();
  std::string out;
  JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  w.key("files");
  w.begin_array();
  for (const ProfileFile& f : listing->files) {
    std::string format = "unknown";
    try {
      auto in = formats::InputSource::open(f.path);
      format = std::string(formats::format_name(formats::sniff(in->peek(64 * 1024))));
    } catch (const std::exception&) {
      format = "unreadable";
    }
    w.begin_object();
    member(w, "name", f.name);
    member(w, "format", format);
    member(w, "bytes", f.bytes);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

Rendered Api::profile(const Params& params, const Progress& progress) {
  Selection s = parse_selection(params, now_ms());
  OutputFormat format = parse_output_format(single(params, "format").value_or("folded"));
  std::string view = single(params, "view").value_or("flamegraph");
  if (view != "flamegraph" && view != "heatmap")
    throw BadParameter("view", "view must be flamegraph or heatmap, got '" + view + "'");
  bool times = format == OutputFormat::kPage && view == "heatmap";
  size_t max_nodes = 5000;
  if (auto m = single(params, "max_nodes")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(m->c_str(), &end, 10);
    if (m->empty() || *end != '\0' || (*m)[0] == '-' || v < 1 || v > 100000)
      throw BadParameter("max_nodes", "max_nodes must be a number from 1 to 100000, got '" + *m + "'");
    max_nodes = v;
  }
  std::string id;
  if (s.file.empty()) {
    id = std::to_string(static_cast<int>(format)) + "|" + view + "|" + std::to_string(max_nodes);
    std::vector<const Invocation*> selected = resolve(*catalog_.listing(), s);
    for (const Invocation* inv : selected) id += "|" + inv->object.key;
    std::lock_guard lock(answers_mutex_);
    for (auto it = answers_.begin(); it != answers_.end(); ++it) {
      if (it->id != id) continue;
      answers_.splice(answers_.begin(), answers_, it);
      if (progress) progress(selected.size(), selected.size());
      return answers_.front().rendered;
    }
  }
  SelectedProfile p = profiles_.load(s, times, progress);
  Rendered r;
  try {
    r = render_profile(p, format, view, max_nodes);
  } catch (const render::PageError& e) {
    throw BadParameter("view", e.what());
  }
  if (!id.empty() && r.body.size() <= kMaxCachedAnswerBytes) {
    std::lock_guard lock(answers_mutex_);
    answers_.push_front({id, r});
    if (answers_.size() > kCachedAnswers) answers_.pop_back();
  }
  return r;
}

Rendered Api::diff(const Params& params, const Progress& progress) {
  auto side = [&](const char* name) {
    auto v = single(params, name);
    if (!v) throw BadParameter(name, std::string(name) + " (a URL-encoded selection) is required");
    try {
      return parse_selection(parse_query_string(*v, name), now_ms());
    } catch (const BadParameter& e) {
      throw BadParameter(name, std::string(name) + ": " + e.what());
    }
  };
  Selection base_sel = side("base"), new_sel = side("new");
  std::string format = single(params, "format").value_or("folded");
  if (format != "folded" && format != "page")
    throw BadParameter("format", "format must be folded or page, got '" + format + "'");
  std::string normalize = single(params, "normalize").value_or("total");
  if (normalize != "total" && normalize != "invocations" && normalize != "none")
    throw BadParameter("normalize", "normalize must be total, invocations or none, got '" + normalize + "'");
  size_t base_total = 0;
  Progress base_progress, new_progress;
  if (progress) {
    base_progress = [&](size_t done, size_t total) {
      base_total = total;
      progress(done, total);
    };
    new_progress = [&](size_t done, size_t total) { progress(base_total + done, base_total + total); };
  }
  SelectedProfile base = profiles_.load(base_sel, false, base_progress);
  SelectedProfile next = profiles_.load(new_sel, false, new_progress);
  if (normalize == "invocations") {
    // Per invocation: each side's weights divided by its number of profiles.
    for (double& v : base.profile.samples.values) v /= static_cast<double>(base.invocations);
    for (double& v : next.profile.samples.values) v /= static_cast<double>(next.invocations);
  }
  // As `lambdascope diff` weighs: wall for wall profiles, else samples.
  size_t bv = profile::choose_value(base.profile, ""), nv = profile::choose_value(next.profile, "");
  if (format == "folded") {
    profile::Profile d = profile::diff(base.profile, next.profile, {bv, nv, /*normalize=*/false});
    if (normalize == "total") profile::difffolded_normalize(d);
    return {"text/plain; charset=utf-8", formats::write_folded_diff(d)};
  }
  render::DiffPageOptions o;
  o.title = "Diff: " + base.label + " (" + std::to_string(base.invocations) + ") vs " + next.label + " (" +
            std::to_string(next.invocations) + ")";
  o.normalize = normalize == "total";
  o.base_value = bv;
  o.new_value = nv;
  return {"application/json", render::diff_page(base.profile, next.profile, o).payload_json};
}

std::string Api::why_slow(const Params& params) {
  auto function = single(params, "function");
  if (!function || function->empty()) throw BadParameter("function", "function is required");
  Selection s = parse_selection(params, now_ms());
  if (!s.file.empty() || !s.keys.empty() || !s.query.phase.empty() || s.query.min_duration_ms ||
      s.max_duration_ms)
    throw BadParameter("function", "why-slow takes function, since and until only");
  s.query.phase = "invoke";
  auto listing = catalog_.listing();
  WhySlowGroups g = why_slow_groups(resolve(*listing, s));
  auto merge = [&](std::optional<int64_t> min_ms, std::optional<int64_t> max_ms) {
    Selection part = s;
    part.query.min_duration_ms = min_ms;
    part.max_duration_ms = max_ms;
    return profiles_.load(part, false, {});
  };
  SelectedProfile slow = merge(g.slow_min_ms, std::nullopt);
  SelectedProfile fast = merge(g.fast_min_ms, g.fast_max_ms);
  std::vector<FunctionCost> costs =
      compare_functions(slow.profile, slow.invocations, fast.profile, fast.invocations);
  size_t limit = 100;
  if (auto v = single(params, "limit")) limit = static_cast<size_t>(std::max(1L, std::atol(v->c_str())));

  std::string out;
  JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  member(w, "function", *function);
  auto group = [&](const char* name, const std::vector<const Invocation*>& members, const SelectedProfile& p,
                   std::optional<int64_t> min_ms, std::optional<int64_t> max_ms) {
    std::vector<int64_t> d;
    for (const Invocation* inv : members) d.push_back(inv->object.profile.duration_ms);
    std::sort(d.begin(), d.end());
    w.key(name);
    w.begin_object();
    member(w, "invocations", static_cast<int64_t>(p.invocations));
    member(w, "p50_ms", percentile(d, 0.5));
    member(w, "min_ms", d.front());
    member(w, "max_ms", d.back());
    member(w, "selection", selection_string(*function, params, min_ms, max_ms));
    w.end_object();
  };
  group("slow", g.slow, slow, g.slow_min_ms, std::nullopt);
  group("fast", g.fast, fast, g.fast_min_ms, g.fast_max_ms);
  member(w, "noise_alpha", kNoiseAlpha);
  w.key("functions");
  w.begin_array();
  for (size_t i = 0; i < costs.size() && i < limit; ++i) {
    const FunctionCost& c = costs[i];
    w.begin_object();
    member(w, "name", c.name);
    member(w, "slow_ms_per_invocation", c.slow_self_ms);
    member(w, "fast_ms_per_invocation", c.fast_self_ms);
    member(w, "extra_ms_per_invocation", c.slow_self_ms - c.fast_self_ms);
    member(w, "self_extra_ms_per_invocation", c.slow_self_ms - c.fast_self_ms);
    member(w, "slow_total_ms_per_invocation", c.slow_total_ms);
    member(w, "fast_total_ms_per_invocation", c.fast_total_ms);
    member(w, "total_extra_ms_per_invocation", c.slow_total_ms - c.fast_total_ms);
    member(w, "slow_samples", c.slow_self_samples);
    member(w, "fast_samples", c.fast_self_samples);
    member(w, "slow_total_samples", c.slow_total_samples);
    member(w, "fast_total_samples", c.fast_total_samples);
    w.key("p_value");
    w.number(c.self_p);
    w.key("total_p_value");
    w.number(c.total_p);
    w.key("noise");
    w.boolean(c.self_p >= kNoiseAlpha);
    w.key("total_noise");
    w.boolean(c.total_p >= kNoiseAlpha);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace lambdascope::server
