// Shared by the pprof and gperftools fuzz targets: whatever a reader accepts, the pprof writer must write and
// the pprof reader must read back with the same samples. A ParseError there, or a difference, is a bug.
#pragma once

#include <cstdlib>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

namespace lambdascope::fuzz {

inline void check_round_trip(const profile::Profile& p) {
  formats::PprofWriteOptions o;
  o.gzip = false;
  auto in = formats::InputSource::from_memory("round-trip", formats::write_pprof(p, o));
  formats::ReadOptions ro;
  ro.format = formats::Format::kPprof;
  profile::Profile again = formats::read_profile(*in, ro);  // must not throw
  if (again.num_samples() != p.num_samples() || again.num_values() != p.num_values()) std::abort();
  for (size_t i = 0; i < p.num_samples(); ++i)
    if (again.stacks.depth(again.samples.stack[i]) != p.stacks.depth(p.samples.stack[i])) std::abort();
}

}  // namespace lambdascope::fuzz
