#include "server/live/ring_feed.hpp"

#include "capture/profile_builder.hpp"

namespace lambdascope::live {

namespace ring = agent::ring;

RingFeed::RingFeed(LiveAggregator& aggregator, symbolize::SymbolizeOptions options)
    : aggregator_(aggregator), symbolizer_(std::move(options)) {}

void RingFeed::feed(const std::vector<capture::RingData*>& rings, double now_s, bool consume) {
  uint64_t full = 0, busy = 0;
  for (capture::RingData* data : rings) {
    full += data->counters[ring::kDroppedFull];
    busy += data->counters[ring::kDroppedBusy];
    size_t& fed = fed_[data->info.path];
    if (data->samples.size() <= fed) continue;
    // The new samples with their PCs (a suffix of `pcs`: records are consumed in order), and every mapping
    // and thread name so far, which symbolization of any sample may need.
    capture::RingData slice;
    slice.info = data->info;
    slice.mappings = data->mappings;
    slice.thread_names = data->thread_names;
    slice.java_methods = data->java_methods;
    slice.java_code = data->java_code;
    uint32_t first_pc = data->samples[fed].first_pc;
    slice.samples.assign(data->samples.begin() + static_cast<std::ptrdiff_t>(fed), data->samples.end());
    for (capture::RawSample& s : slice.samples) s.first_pc -= first_pc;
    slice.pcs.assign(data->pcs.begin() + first_pc, data->pcs.end());
    fed = data->samples.size();
    if (consume) {
      // Capacity is kept: the next batches reuse it, and it is bounded by one feed interval's samples.
      data->samples.clear();
      data->pcs.clear();
      fed = 0;
    }

    profile::Profile batch;
    capture::init_profile(batch, slice.info);
    capture::add_ring(batch, slice, symbolizer_);
    aggregator_.add(batch, now_s);
  }
  aggregator_.set_dropped("ring_full", full);
  aggregator_.set_dropped("handler_busy", busy);
}

}  // namespace lambdascope::live
