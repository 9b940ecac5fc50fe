#include "profile/diff.hpp"

#include "profile/sample_aggregator.hpp"

namespace lambdascope::profile {

Profile diff(const Profile& base, const Profile& next, const DiffOptions& options) {
  Profile out;
  std::string unit =
      next.meta.sample_types.empty() ? "count" : next.meta.sample_types[options.new_value_index].unit;
  out.meta.sample_types = {{"base", unit}, {"new", unit}};
  out.meta.attributes = next.meta.attributes;
  out.meta.set_attribute("diff", "base then new");
  AggregateKeys keys;
  keys.pid = keys.tid = keys.labels = false;
  SampleAggregator agg(out, keys);

  double scale = 1;
  if (options.normalize) {
    double tb = base.total(options.base_value_index), tn = next.total(options.new_value_index);
    if (tb != 0) scale = tn / tb;
  }
  auto add_all = [&](const Profile& p, size_t value_index, size_t slot, double factor) {
    ProfileRemapper remap(p, out);
    for (size_t i = 0; i < p.num_samples(); ++i) {
      double values[2] = {0, 0};
      values[slot] = p.value(i, value_index) * factor;
      SampleRow row;
      row.stack = remap.stack(p.samples.stack[i]);
      row.values = values;
      row.thread_name = remap.string(p.samples.thread_name[i]);
      agg.add(row);
    }
  };
  add_all(base, options.base_value_index, 0, scale);
  add_all(next, options.new_value_index, 1, 1);
  return out;
}

}  // namespace lambdascope::profile
