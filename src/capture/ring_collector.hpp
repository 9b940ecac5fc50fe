// Follows every ring that appears in one folder (the command's process, its children, exec'd images) and
// drains them, so the agents never find their rings full. Single-threaded: the caller polls.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "capture/ring_reader.hpp"

namespace lambdascope::capture {

struct RingSlot {
  std::unique_ptr<RingReader> reader;
  RingData data;
};

class RingCollector {
 public:
  explicit RingCollector(std::string dir) : dir_(std::move(dir)) {}
  // Opens rings that appeared and drains every ring.
  void poll();
  void request_all(agent::ring::Command c);
  std::map<std::string, RingSlot>& slots() { return slots_; }

 private:
  std::string dir_;
  std::map<std::string, RingSlot> slots_;
};

}  // namespace lambdascope::capture
