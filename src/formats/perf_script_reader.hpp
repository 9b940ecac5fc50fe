// The `perf script` reader with its block sizes exposed, so tests can cut small inputs into many blocks and
// exercise the parallel path. formats::read_perf_script() (reader.hpp) is this with the defaults.
#pragma once

#include <cstddef>

#include "formats/input_source.hpp"
#include "formats/read_options.hpp"
#include "profile/profile.hpp"

namespace lambdascope::formats::perf_script {

struct ReaderTuning {
  // The first block is small so the event to keep (the first event seen) is known early; later blocks are
  // large enough that synchronization is noise and small enough that the few in flight stay a few MB.
  size_t first_block_bytes = size_t{256} << 10;
  size_t block_bytes = size_t{1} << 20;
};

profile::Profile read(InputSource& in, const ReadOptions& options, const ReaderTuning& tuning = {});

}  // namespace lambdascope::formats::perf_script
