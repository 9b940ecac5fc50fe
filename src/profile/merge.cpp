#include "profile/merge.hpp"

#include <algorithm>

#include "profile/filter.hpp"

namespace lambdascope::profile {

namespace {

std::string describe(const std::vector<ValueType>& types) {
  std::string s = "[";
  for (size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + types[i].type + "/" + types[i].unit;
  return s + "]";
}

void merge_metadata(Metadata& into, const Metadata& from) {
  if (from.time_nanos != 0 && (into.time_nanos == 0 || from.time_nanos < into.time_nanos))
    into.time_nanos = from.time_nanos;
  into.duration_ns += from.duration_ns;
  into.period = std::max(into.period, from.period);
  if (from.start_ns != kNoTime && (into.start_ns == kNoTime || from.start_ns < into.start_ns))
    into.start_ns = from.start_ns;
  if (from.end_ns != kNoTime && (into.end_ns == kNoTime || from.end_ns > into.end_ns))
    into.end_ns = from.end_ns;
  for (const std::string& c : from.comments)
    if (std::find(into.comments.begin(), into.comments.end(), c) == into.comments.end())
      into.comments.push_back(c);
  for (const auto& [k, v] : from.attributes)
    if (into.attribute(k).empty()) into.set_attribute(k, v);
}

}  // namespace

void ProfileMerger::add(const Profile& p) {
  if (count_ == 0) {
    out_.meta = p.meta;
  } else if (p.num_samples() != 0 && out_.num_samples() == 0 &&
             p.meta.sample_types != out_.meta.sample_types) {
    // Only inputs without samples so far: their sample types held nothing, the first one with samples
    // decides.
    auto types = p.meta.sample_types;
    merge_metadata(out_.meta, p.meta);
    out_.meta.sample_types = std::move(types);
    out_.meta.default_sample_type = p.meta.default_sample_type;
  } else if (p.num_samples() == 0 && p.meta.sample_types != out_.meta.sample_types) {
    // No samples: nothing in its sample types to add (an invocation window in which the sampler recorded
    // nothing is written with the reader's defaults); its times and comments still count.
    auto types = out_.meta.sample_types;
    merge_metadata(out_.meta, p.meta);
    out_.meta.sample_types = std::move(types);
  } else {
    if (p.meta.sample_types != out_.meta.sample_types)
      throw MergeError("profile " + std::to_string(count_ + 1) + " has sample types " +
                       describe(p.meta.sample_types) + ", the first has " + describe(out_.meta.sample_types));
    if (p.meta.period_type != out_.meta.period_type && !p.meta.period_type.type.empty() &&
        !out_.meta.period_type.type.empty())
      throw MergeError("profile " + std::to_string(count_ + 1) + " has period type " +
                       p.meta.period_type.type + ", the first has " + out_.meta.period_type.type);
    merge_metadata(out_.meta, p.meta);
  }
  ++count_;
  ProfileRemapper remap(p, out_);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    agg_.add(remap.row(i, p.values_of(i)));
  }
}

Profile ProfileMerger::take() {
  std::vector<uint32_t> nonzero;
  for (uint32_t i = 0; i < out_.num_samples(); ++i) {
    auto v = out_.values_of(i);
    if (std::any_of(v.begin(), v.end(), [](double x) { return x != 0; })) nonzero.push_back(i);
  }
  Profile result = nonzero.size() == out_.num_samples() ? std::move(out_) : subset(out_, nonzero);
  out_ = Profile{};
  agg_.reset();
  count_ = 0;
  return result;
}

Profile merge(std::span<const Profile* const> inputs) {
  ProfileMerger m;
  for (const Profile* p : inputs) m.add(*p);
  return m.take();
}

}  // namespace lambdascope::profile
