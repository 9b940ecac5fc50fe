// Feeds a LiveAggregator from record's rings while the command runs: each call symbolizes only the samples a
// ring gained since the previous call (with one long-lived Symbolizer, whose caches and perf maps persist)
// and hands them over as one profile batch per ring. Unless asked to consume them, the samples read stay, so
// the profile record writes at exit is the same with or without --listen. Never writes to a ring.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "capture/ring_reader.hpp"
#include "server/live/live_aggregator.hpp"
#include "symbolize/symbolizer.hpp"

namespace lambdascope::live {

class RingFeed {
 public:
  RingFeed(LiveAggregator& aggregator, symbolize::SymbolizeOptions options);
  // Adds what each ring gained since the last call, as arrived at `now_s`, and the agents' drop counters.
  // `consume`: then drop the fed samples from the rings' data (--listen-only: nothing grows with time).
  void feed(const std::vector<capture::RingData*>& rings, double now_s, bool consume);

 private:
  LiveAggregator& aggregator_;
  symbolize::Symbolizer symbolizer_;
  std::map<std::string, size_t> fed_;  // ring path -> samples already fed
};

}  // namespace lambdascope::live
