// Options shared by the readers. Each reader uses the ones that apply to its format and ignores the rest.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "formats/format.hpp"

namespace lambdascope::formats {

struct ReadOptions {
  std::optional<Format> format;  // skip sniffing
  // perf script: keep only this event ("cycles", "cpu-clock:u"); empty = the first event seen, as
  // stackcollapse-perf.pl and inferno do.
  std::string event_filter;
  // perf script: for frames without a symbol, use "[module <addr>]" instead of "[module]" (stackcollapse
  // --addrs).
  bool addrs = false;
  // Sum identical samples and drop per-sample time while reading: bounded memory for collapse of huge inputs.
  bool aggregate = false;
  // Worker threads for readers that parse in parallel (perf script, folded); 0 = one per core.
  unsigned threads = 0;
  // Receives one line per recoverable problem (a line skipped, a value clamped), already prefixed with the
  // file and line. Readers call it sparingly (the first few of a kind, then a count). Null = ignore.
  std::function<void(const std::string&)> warn;
};

}  // namespace lambdascope::formats
