#include "support/folded_map.hpp"

#include <sstream>

#include "formats/writers.hpp"

namespace lambdascope::testing {

FoldedMap parse_folded_weights(const std::string& folded_text) {
  FoldedMap m;
  std::istringstream in(folded_text);
  for (std::string line; std::getline(in, line);) {
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    m[line.substr(0, space)] += std::stod(line.substr(space + 1));
  }
  return m;
}

FoldedMap folded_map(const profile::Profile& p, size_t value_index, bool thread_root) {
  formats::FoldedWriteOptions o;
  o.value_index = value_index;
  o.thread_root = thread_root;
  return parse_folded_weights(formats::write_folded(p, o));
}

}  // namespace lambdascope::testing
