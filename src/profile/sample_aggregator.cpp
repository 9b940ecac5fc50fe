#include "profile/sample_aggregator.hpp"

namespace lambdascope::profile {

uint64_t SampleAggregator::key_hash(const SampleRow& r) const {
  uint64_t h = mix64(r.stack);
  h = hash_combine(h, (uint64_t{static_cast<uint32_t>(r.pid)} << 32) | static_cast<uint32_t>(r.tid));
  h = hash_combine(h, (uint64_t{r.thread_name} << 32) | r.labels);
  h = hash_combine(h, static_cast<uint64_t>(r.time_ns) ^ static_cast<uint32_t>(r.cpu));
  return h;
}

bool SampleAggregator::same_key(size_t i, const SampleRow& r) const {
  const SampleColumns& s = target_.samples;
  return s.stack[i] == r.stack && s.pid[i] == r.pid && s.tid[i] == r.tid &&
         s.thread_name[i] == r.thread_name && s.labels[i] == r.labels && s.time_ns[i] == r.time_ns &&
         s.cpu[i] == r.cpu;
}

size_t SampleAggregator::add(SampleRow row) {
  if (!keys_.time) row.time_ns = kNoTime;
  if (!keys_.pid) row.pid = -1;
  if (!keys_.tid) row.tid = -1;
  if (!keys_.cpu) row.cpu = -1;
  if (!keys_.thread_name) row.thread_name = 0;
  if (!keys_.labels) row.labels = 0;
  auto next = static_cast<uint32_t>(target_.num_samples());
  bool inserted = false;
  uint32_t i = index_.find_or_insert(
      key_hash(row), [&](uint32_t j) { return same_key(j, row); }, next, &inserted);
  if (inserted) return target_.add_sample(row);
  double* v = target_.samples.values.data() + size_t{i} * target_.num_values();
  for (size_t k = 0; k < row.values.size(); ++k) v[k] += row.values[k];
  return i;
}

Profile aggregate_samples(const Profile& p, AggregateKeys keys) {
  Profile out;
  out.meta = p.meta;
  ProfileRemapper remap(p, out);
  SampleAggregator agg(out, keys);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    agg.add(remap.row(i, p.values_of(i)));
  }
  return out;
}

}  // namespace lambdascope::profile
