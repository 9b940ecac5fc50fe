#include "profile/filter.hpp"

#include <algorithm>
#include <string>

namespace lambdascope::profile {

namespace {

// Per trie node: does the path to it contain a frame whose name matches? Evaluated once per frame and once
// per trie node, never per sample.
std::vector<uint8_t> stacks_matching(const Profile& p, const std::regex& re) {
  std::vector<int8_t> frame_match(p.frames.size(), -1);
  std::vector<uint8_t> out(p.stacks.size(), 0);
  for (StackId s = 1; s < p.stacks.size(); ++s) {  // parents have smaller ids than children
    FrameId f = p.stacks.frame(s);
    if (frame_match[f] < 0) {
      std::string_view name = p.frame_name(f);
      frame_match[f] = std::regex_search(name.begin(), name.end(), re) ? 1 : 0;
    }
    out[s] = out[p.stacks.parent(s)] | static_cast<uint8_t>(frame_match[f]);
  }
  return out;
}

bool label_matches(const Profile& p, LabelSetId set, const LabelMatch& m) {
  auto [b, e] = p.label_sets.range(set);
  for (const Label* l = b; l != e; ++l) {
    if (p.strings[l->key] != m.key) continue;
    if (l->is_numeric() ? std::to_string(l->num) == m.value : p.strings[l->str] == m.value) return true;
  }
  return false;
}

}  // namespace

std::vector<uint32_t> select_samples(const Profile& p, const SampleFilter& f) {
  std::vector<uint8_t> include, exclude;
  if (f.include) include = stacks_matching(p, *f.include);
  if (f.exclude) exclude = stacks_matching(p, *f.exclude);
  std::vector<StringId> comm_ids;
  for (const std::string& c : f.comms) {
    StringId id = p.strings.find(c);
    if (id != StringTable::kAbsent) comm_ids.push_back(id);
  }
  auto any_of = [](const auto& list, auto v) { return std::find(list.begin(), list.end(), v) != list.end(); };

  std::vector<uint32_t> out;
  const SampleColumns& s = p.samples;
  for (uint32_t i = 0; i < s.size(); ++i) {
    if (f.time_begin_ns || f.time_end_ns) {
      int64_t t = s.time_ns[i];
      if (t == kNoTime) continue;
      if (f.time_begin_ns && t < *f.time_begin_ns) continue;
      if (f.time_end_ns && t >= *f.time_end_ns) continue;
    }
    if (!f.pids.empty() && !any_of(f.pids, s.pid[i])) continue;
    if (!f.tids.empty() && !any_of(f.tids, s.tid[i])) continue;
    if (!f.comms.empty() && !any_of(comm_ids, s.thread_name[i])) continue;
    if (!include.empty() && !include[s.stack[i]]) continue;
    if (!exclude.empty() && exclude[s.stack[i]]) continue;
    bool labels_ok = true;
    for (const LabelMatch& m : f.labels) labels_ok = labels_ok && label_matches(p, s.labels[i], m);
    if (!labels_ok) continue;
    out.push_back(i);
  }
  return out;
}

Profile subset(const Profile& p, const std::vector<uint32_t>& selection) {
  Profile out;
  out.meta = p.meta;
  ProfileRemapper remap(p, out);
  out.samples.reserve(selection.size(), p.num_values());
  for (uint32_t i : selection) remap.copy_sample(i, p.values_of(i));
  return out;
}

Profile filter(const Profile& p, const SampleFilter& f) {
  Profile out = subset(p, select_samples(p, f));
  if (f.time_begin_ns) out.meta.start_ns = *f.time_begin_ns;
  if (f.time_end_ns) out.meta.end_ns = *f.time_end_ns;
  return out;
}

}  // namespace lambdascope::profile
