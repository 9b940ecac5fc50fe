#include "server/live/live_export.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace lambdascope::live {

namespace {

constexpr double kFeedSeconds = 0.25;  // how stale /metrics may be; each feed symbolizes only what is new

symbolize::SymbolizeOptions symbolize_options(const capture::RecordOptions& o) {
  symbolize::SymbolizeOptions so;
  so.lines = o.lines;
  so.debug_dirs.insert(so.debug_dirs.begin(), o.debug_dirs.begin(), o.debug_dirs.end());
  return so;
}

double steady_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

LiveExport::LiveExport(const LiveExportOptions& options, capture::RecordOptions& record)
    : consume_(options.listen_only),
      aggregator_(options.live),
      server_(aggregator_, std::filesystem::path(record.command.front()).filename().string()),
      feed_(aggregator_, symbolize_options(record)) {
  ListenAddress address = parse_listen_address(options.listen);
  int port = server_.start(address);
  std::fprintf(
      stderr, "lambdascope: serving http://%s:%d/ (/metrics, /debug/pprof/profile, /flamegraph.json)\n",
      address.host.find(':') != std::string::npos ? ("[" + address.host + "]").c_str() : address.host.c_str(),
      port);
  record.on_poll = [this](const std::vector<capture::RingData*>& rings, bool last) { on_poll(rings, last); };
  record.exit_profile = !options.listen_only;
}

void LiveExport::on_poll(const std::vector<capture::RingData*>& rings, bool last) {
  double now = steady_s();
  if (!last && now < next_feed_s_) return;
  feed_.feed(rings, unix_now(), consume_);
  next_feed_s_ = now + kFeedSeconds;
  if (last) server_.stop();
}

}  // namespace lambdascope::live
