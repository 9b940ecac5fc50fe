#include "profile/profile.hpp"

#include <stdexcept>

namespace lambdascope::profile {

void SampleColumns::reserve(size_t n, size_t num_values) {
  stack.reserve(n);
  values.reserve(n * num_values);
  time_ns.reserve(n);
  pid.reserve(n);
  tid.reserve(n);
  cpu.reserve(n);
  thread_name.reserve(n);
  labels.reserve(n);
}

FrameId Profile::intern_unsymbolized(uint64_t address, const Mapping* mapping, FrameKind kind) {
  std::string name = mapping == nullptr ? unsymbolized_name(address, {}, 0, 0, 0)
                                        : unsymbolized_name(address, strings[mapping->path], mapping->start,
                                                            mapping->limit, mapping->file_offset);
  FrameId id = frames.intern({strings.intern(name), mapping == nullptr ? 0 : mapping->path, 0, 0, kind});
  addresses.set(id, {address, mapping == nullptr ? 0 : addresses.add_mapping(*mapping)});
  return id;
}

size_t Profile::add_sample(const SampleRow& row) {
  if (row.values.size() != num_values())
    throw std::invalid_argument("sample has " + std::to_string(row.values.size()) +
                                " values, profile declares " + std::to_string(num_values()) +
                                " sample types");
  samples.stack.push_back(row.stack);
  samples.values.insert(samples.values.end(), row.values.begin(), row.values.end());
  samples.time_ns.push_back(row.time_ns);
  samples.pid.push_back(row.pid);
  samples.tid.push_back(row.tid);
  samples.cpu.push_back(row.cpu);
  samples.thread_name.push_back(row.thread_name);
  samples.labels.push_back(row.labels);
  return samples.size() - 1;
}

double Profile::total(size_t value_index) const {
  double sum = 0;
  const size_t n = num_values();
  for (size_t i = value_index; i < samples.values.size(); i += n) sum += samples.values[i];
  return sum;
}

bool Profile::has_times() const {
  for (int64_t t : samples.time_ns)
    if (t != kNoTime) return true;
  return false;
}

namespace {
constexpr uint32_t kUnmapped = UINT32_MAX;

template <class Fn>
uint32_t memo(std::vector<uint32_t>& cache, uint32_t id, Fn&& make) {
  if (id >= cache.size()) cache.resize(id + 1, kUnmapped);
  if (cache[id] == kUnmapped) cache[id] = make();
  return cache[id];
}
}  // namespace

StringId ProfileRemapper::string(StringId id) {
  if (id == 0) return 0;
  return memo(strings_, id, [&] { return to_.strings.intern(from_.strings[id]); });
}

FrameId ProfileRemapper::frame(FrameId id) {
  return memo(frames_, id, [&] {
    Frame f = from_.frames[id];
    f.name = string(f.name);
    f.module = string(f.module);
    f.file = string(f.file);
    FrameId out = to_.frames.intern(f);
    if (const FrameAddress* a = from_.addresses.find(id)) {
      FrameAddress copy{a->address, 0};
      if (a->mapping != 0) {
        Mapping m = from_.addresses.mapping(a->mapping);
        m.path = string(m.path);
        m.build_id = string(m.build_id);
        copy.mapping = to_.addresses.add_mapping(m);
      }
      to_.addresses.set(out, copy);
    }
    return out;
  });
}

StackId ProfileRemapper::stack(StackId id) {
  if (id == StackTrie::kRoot) return StackTrie::kRoot;
  if (id < stacks_.size() && stacks_[id] != kUnmapped) return stacks_[id];
  // Iterative, because stacks can be thousands of frames deep.
  std::vector<StackId> path;
  StackId s = id;
  while (s != StackTrie::kRoot && (s >= stacks_.size() || stacks_[s] == kUnmapped)) {
    path.push_back(s);
    s = from_.stacks.parent(s);
  }
  StackId mapped = s == StackTrie::kRoot ? StackTrie::kRoot : stacks_[s];
  if (stacks_.size() < from_.stacks.size()) stacks_.resize(from_.stacks.size(), kUnmapped);
  for (size_t i = path.size(); i > 0; --i) {
    mapped = to_.stacks.push(mapped, frame(from_.stacks.frame(path[i - 1])));
    stacks_[path[i - 1]] = mapped;
  }
  return mapped;
}

LabelSetId ProfileRemapper::label_set(LabelSetId id) {
  if (id == 0) return 0;
  return memo(label_sets_, id, [&] {
    std::vector<Label> labels = from_.label_sets.labels(id);
    for (Label& l : labels) {
      l.key = string(l.key);
      l.str = string(l.str);
      l.unit = string(l.unit);
    }
    return to_.label_sets.intern(std::move(labels));
  });
}

SampleRow ProfileRemapper::row(size_t i, std::span<const double> values) {
  const SampleColumns& s = from_.samples;
  SampleRow row;
  row.stack = stack(s.stack[i]);
  row.values = values;
  row.time_ns = s.time_ns[i];
  row.pid = s.pid[i];
  row.tid = s.tid[i];
  row.cpu = s.cpu[i];
  row.thread_name = string(s.thread_name[i]);
  row.labels = label_set(s.labels[i]);
  return row;
}

}  // namespace lambdascope::profile
