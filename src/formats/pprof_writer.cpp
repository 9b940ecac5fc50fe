// Placeholder until this writer lands.
#include <stdexcept>

#include "formats/writers.hpp"

namespace lambdascope::formats {

std::string write_pprof(const profile::Profile&, const PprofWriteOptions&) {
  throw std::runtime_error("pprof_writer is not implemented yet");
}

}  // namespace lambdascope::formats
