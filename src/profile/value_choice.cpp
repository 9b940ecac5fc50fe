#include "profile/value_choice.hpp"

#include <stdexcept>

namespace lambdascope::profile {

size_t choose_value(const Profile& p, const std::string& weight) {
  const auto& types = p.meta.sample_types;
  auto find_count = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < types.size(); ++i)
      if (types[i].type == "samples" || types[i].unit == "count") return i;
    return std::nullopt;
  };
  if (types.empty()) return 0;
  if (weight.empty()) {
    // Pages of wall profiles open on wall time: that is what Lambda bills.
    for (size_t i = 0; i < types.size(); ++i)
      if (types[i].type == "wall") return i;
    return choose_value(p, "samples");
  }
  if (weight == "samples") return find_count().value_or(p.meta.default_value_index());
  if (weight == "period") {
    for (size_t i = 0; i < types.size(); ++i)
      if (!(types[i].type == "samples" || types[i].unit == "count")) return i;
    return find_count().value_or(0);
  }
  for (size_t i = 0; i < types.size(); ++i)
    if (types[i].type == weight) return i;
  std::string known;
  for (const auto& t : types) known += (known.empty() ? "" : ", ") + t.type;
  throw std::invalid_argument("no sample type \"" + weight + "\" in the input (it has: " + known + ")");
}

}  // namespace lambdascope::profile
