// `record --listen`: the live aggregator, the server that reads it and the ring feed, for the command's
// lifetime. Hooked into capture::record through RecordOptions::on_poll: feeds what the rings gained every
// 250 ms (how stale /metrics may be) and stops the server after the last poll. Never writes a profile file.
#pragma once

#include <memory>
#include <string>

#include "capture/record.hpp"
#include "server/live/live_aggregator.hpp"
#include "server/live/live_server.hpp"
#include "server/live/ring_feed.hpp"

namespace lambdascope::live {

struct LiveExportOptions {
  std::string listen;        // [ADDR:]PORT
  bool listen_only = false;  // no exit profile, and fed samples are dropped: nothing grows with time
  LiveOptions live;
};

class LiveExport {
 public:
  // Listens at once (a port in use fails here, before the command runs; throws std::invalid_argument or
  // std::runtime_error) and says where on stderr. Sets `record`'s hook, and its exit profile off with
  // listen_only. `record` must not outlive this object.
  LiveExport(const LiveExportOptions& options, capture::RecordOptions& record);
  LiveExport(const LiveExport&) = delete;
  LiveExport& operator=(const LiveExport&) = delete;

 private:
  void on_poll(const std::vector<capture::RingData*>& rings, bool last);

  bool consume_;
  LiveAggregator aggregator_;
  LiveServer server_;
  RingFeed feed_;
  double next_feed_s_ = 0;  // steady seconds
};

}  // namespace lambdascope::live
