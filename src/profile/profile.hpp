// The in-memory profile: interned strings, frames, a stack trie, and samples stored as columns (stack,
// values, time, pid, tid, cpu, thread name, labels), plus metadata. Every reader fills one and every view is
// computed from one. This module does no I/O and never prints.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "profile/frame.hpp"
#include "profile/frame_address.hpp"
#include "profile/label_set.hpp"
#include "profile/metadata.hpp"
#include "profile/stack_trie.hpp"
#include "profile/string_table.hpp"

namespace lambdascope::profile {

// One sample as handed to Profile::add_sample. `values` has one entry per sample type.
struct SampleRow {
  StackId stack = StackTrie::kRoot;
  std::span<const double> values;
  int64_t time_ns = kNoTime;
  int32_t pid = -1;
  int32_t tid = -1;
  int32_t cpu = -1;
  StringId thread_name = 0;  // comm
  LabelSetId labels = 0;
};

// Columns, one entry per sample; `values` is row-major with Profile::num_values() entries per sample.
// Values are doubles so fractional folded counts stay exact; integers are exact up to 2^53.
struct SampleColumns {
  std::vector<StackId> stack;
  std::vector<double> values;
  std::vector<int64_t> time_ns;
  std::vector<int32_t> pid;
  std::vector<int32_t> tid;
  std::vector<int32_t> cpu;
  std::vector<StringId> thread_name;
  std::vector<LabelSetId> labels;

  size_t size() const { return stack.size(); }
  void reserve(size_t n, size_t num_values);
};

class Profile {
 public:
  StringTable strings;
  FrameTable frames;
  AddressTable addresses;  // the unsymbolized frames' addresses and mappings
  StackTrie stacks;
  LabelSetTable label_sets;
  SampleColumns samples;
  Metadata meta;

  size_t num_values() const { return meta.sample_types.size(); }
  size_t num_samples() const { return samples.size(); }

  StringId intern(std::string_view s) { return strings.intern(s); }
  FrameId intern_frame(std::string_view name, std::string_view module = {},
                       FrameKind kind = FrameKind::kNative, std::string_view file = {}, uint32_t line = 0) {
    return frames.intern({strings.intern(name), strings.intern(module), strings.intern(file), line, kind});
  }
  // A frame for an address nothing named (yet): named by unsymbolized_name, its module the mapping's file.
  FrameId intern_unsymbolized(uint64_t address, const Mapping* mapping, FrameKind kind = FrameKind::kNative);
  size_t unsymbolized_frames() const { return addresses.size(); }
  // A stack from frames ordered outermost caller first.
  StackId intern_stack(std::span<const FrameId> root_first) {
    StackId s = StackTrie::kRoot;
    for (FrameId f : root_first) s = stacks.push(s, f);
    return s;
  }

  // Appends a sample; returns its index. `row.values.size()` must equal num_values().
  size_t add_sample(const SampleRow& row);

  double value(size_t sample, size_t index) const { return samples.values[sample * num_values() + index]; }
  std::span<const double> values_of(size_t sample) const {
    return {samples.values.data() + sample * num_values(), num_values()};
  }
  double total(size_t value_index) const;

  bool has_times() const;  // true when at least one sample has a timestamp
  std::string_view frame_name(FrameId id) const { return strings[frames[id].name]; }
  std::string_view frame_module(FrameId id) const { return strings[frames[id].module]; }
};

// Copies string/frame/stack/label ids of one profile into another, memoized, so merging and filtering do the
// interning once per distinct id instead of once per sample.
class ProfileRemapper {
 public:
  ProfileRemapper(const Profile& from, Profile& to) : from_(from), to_(to) {}
  StringId string(StringId id);
  FrameId frame(FrameId id);
  StackId stack(StackId id);
  LabelSetId label_set(LabelSetId id);
  // Sample `i` of `from` as a row of `to` (ids remapped) with the given values (already in `to`'s layout).
  SampleRow row(size_t i, std::span<const double> values);
  // Appends that row to `to`.
  size_t copy_sample(size_t i, std::span<const double> values) { return to_.add_sample(row(i, values)); }

 private:
  const Profile& from_;
  Profile& to_;
  std::vector<uint32_t> strings_, frames_, stacks_, label_sets_;
};

}  // namespace lambdascope::profile
