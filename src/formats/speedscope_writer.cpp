// Placeholder until this writer lands.
#include <stdexcept>

#include "formats/writers.hpp"

namespace lambdascope::formats {

std::string write_speedscope(const profile::Profile&, const SpeedscopeWriteOptions&) {
  throw std::runtime_error("speedscope_writer is not implemented yet");
}

}  // namespace lambdascope::formats
