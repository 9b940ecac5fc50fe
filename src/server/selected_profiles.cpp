#include "server/selected_profiles.hpp"

#include <map>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "profile/filter.hpp"
#include "profile/merge.hpp"
#include "profile/time_base.hpp"
#include "profile/value_choice.hpp"
#include "render/nested_set.hpp"
#include "render/pages.hpp"
#include "store/stored_profiles.hpp"

namespace lambdascope::server {

OutputFormat parse_output_format(const std::string& name) {
  if (name == "folded") return OutputFormat::kFolded;
  if (name == "pprof") return OutputFormat::kPprof;
  if (name == "speedscope") return OutputFormat::kSpeedscope;
  if (name == "page") return OutputFormat::kPage;
  if (name == "nested-set") return OutputFormat::kNestedSet;
  throw BadParameter("format",
                     "format must be folded, pprof, speedscope, page or nested-set, got '" + name + "'");
}

SelectedProfile SelectedProfiles::load(const Selection& s, bool keep_times, const Progress& progress) {
  auto listing = catalog_.listing();
  SelectedProfile out;
  if (!s.file.empty()) {
    const ProfileFile& file = resolve_file(*listing, s);
    bool range = s.from_s || s.to_s;
    // Parsed with times when a range or the heat map needs them, as `collapse --from --to` reads.
    bool times = range || keep_times;
    std::string id = std::string(times ? "timed:" : "") + file.path;
    std::shared_ptr<const profile::Profile> parsed = cache_.find(id);
    if (!parsed) {
      formats::ReadOptions ro;
      ro.aggregate = !times;
      ro.threads = 1;
      parsed = std::make_shared<const profile::Profile>(formats::read_profile_file(file.path, ro));
      cache_.insert(id, parsed);
    }
    if (range) {
      int64_t base = profile::time_base_ns(*parsed);
      if (base == profile::kNoTime)
        throw BadParameter(s.from_s ? "from" : "to",
                           "from/to need samples with timestamps; " + s.file + " has none");
      profile::SampleFilter f;
      if (s.from_s) f.time_begin_ns = profile::time_after_base_ns(base, *s.from_s);
      if (s.to_s) f.time_end_ns = profile::time_after_base_ns(base, *s.to_s);
      out.profile = profile::filter(*parsed, f);
    } else {
      out.profile = *parsed;
    }
    out.invocations = 1;
    out.from_store = false;
    out.label = file.name;
    if (progress) progress(1, 1);
    return out;
  }
  std::vector<const Invocation*> selected = resolve(*listing, s);
  if (selected.empty()) throw NotFound("the selection matches no stored profile");
  std::map<size_t, std::vector<store::StoredObject>> by_store;
  for (const Invocation* inv : selected) by_store[inv->store].push_back(inv->object);
  store::StoredMergeOptions o;
  o.jobs = jobs_;
  o.keep_times = keep_times;
  o.cache = &cache_;
  size_t done_before = 0;
  o.progress = [&](size_t done, size_t) {
    if (progress) progress(done_before + done, selected.size());
  };
  profile::ProfileMerger merger;
  try {
    for (auto& [store_index, objects] : by_store) {
      store::merge_objects(*catalog_.stores()[store_index].reader, objects, merger, o);
      done_before += objects.size();
    }
  } catch (const profile::MergeError& e) {
    // A CPU and a heap profile of the inbox (or the agent's) cannot be one profile: the user picks one kind.
    throw BadParameter("profile_type",
                       std::string(e.what()) +
                           "; the selection holds profiles of different kinds: choose one with "
                           "profile_type= (agent, cpu, heap, ...)");
  }
  out.invocations = merger.count();
  out.profile = merger.take();
  const store::ProfileKey& first = selected.front()->object.profile;
  out.label = selected.size() == 1       ? first.function + " " + first.phase + " " + first.request_id
              : s.query.function.empty() ? "selection"
                                         : s.query.function;
  return out;
}

std::map<std::string, std::shared_ptr<const profile::Profile>> SelectedProfiles::parsed(
    const std::vector<const Invocation*>& invocations) {
  std::map<size_t, std::vector<store::StoredObject>> by_store;
  for (const Invocation* inv : invocations) by_store[inv->store].push_back(inv->object);
  store::StoredMergeOptions o;
  o.jobs = jobs_;
  o.cache = &cache_;
  std::map<std::string, std::shared_ptr<const profile::Profile>> out;
  for (auto& [store_index, objects] : by_store)
    store::parse_objects(*catalog_.stores()[store_index].reader, objects, o,
                         [&](const store::StoredObject& obj,
                             const std::shared_ptr<const profile::Profile>& p) { out.emplace(obj.key, p); });
  return out;
}

Rendered render_profile(const SelectedProfile& p, OutputFormat format, const std::string& view,
                        size_t max_nodes) {
  switch (format) {
    case OutputFormat::kFolded: {
      if (!p.from_store) {
        formats::FoldedWriteOptions fo;
        fo.value_index = profile::choose_value(p.profile, "samples");
        return {"text/plain; charset=utf-8", formats::write_folded(p.profile, fo)};
      }
      // What `collapse` reads from `merge`'s file: the merged profile after a pprof round trip.
      auto in = formats::InputSource::from_memory("merged.pb.gz", formats::write_pprof(p.profile));
      formats::ReadOptions ro;
      ro.aggregate = true;
      profile::Profile again = formats::read_profile(*in, ro);
      formats::FoldedWriteOptions fo;
      fo.value_index = profile::choose_value(again, "samples");
      return {"text/plain; charset=utf-8", formats::write_folded(again, fo)};
    }
    case OutputFormat::kPprof:
      return {"application/octet-stream", formats::write_pprof(p.profile)};
    case OutputFormat::kSpeedscope: {
      formats::SpeedscopeWriteOptions so;
      so.name = p.label;
      so.value_index = profile::choose_value(p.profile, "samples");
      return {"application/json", formats::write_speedscope(p.profile, so)};
    }
    case OutputFormat::kNestedSet:
      // Wall time when the profile has it (nanoseconds, what the panel's unit expects), else samples.
      return {"application/json", render::nested_set_json(render::nested_set_of(
                                      p.profile, profile::choose_value(p.profile, ""), max_nodes))};
    case OutputFormat::kPage:
      break;
  }
  std::string title = p.label + " (" + std::to_string(p.invocations) +
                      (!p.from_store        ? " file)"
                       : p.invocations == 1 ? " profile)"
                                            : " profiles)");
  // Pages open where the commands' pages do: on wall time for wall profiles (what Lambda bills).
  size_t value = p.profile.num_values() == 0 ? 0 : profile::choose_value(p.profile, "");
  if (view == "heatmap") {
    render::HeatmapPageOptions ho;
    ho.title = "Heat map: " + title;
    ho.value = value;
    return {"application/json", render::heatmap_page(p.profile, ho).payload_json};
  }
  render::FlamegraphPageOptions fo;
  fo.title = "Flame graph: " + title;
  fo.value = value;
  return {"application/json", render::flamegraph_page(p.profile, fo).payload_json};
}

}  // namespace lambdascope::server
