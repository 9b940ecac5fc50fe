#include "capture/ring_collector.hpp"

#include <filesystem>

namespace lambdascope::capture {

void RingCollector::poll() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string path = entry.path().string();
    if (entry.path().extension() != ".ring" || slots_.count(path) != 0) continue;
    std::string error;
    auto reader = RingReader::open(path, &error);
    if (reader == nullptr) continue;  // its header is still being written: next time
    RingSlot slot;
    slot.reader = std::move(reader);
    slots_.emplace(path, std::move(slot));
  }
  for (auto& [path, slot] : slots_) slot.reader->poll(slot.data);
}

void RingCollector::request_all(agent::ring::Command c) {
  for (auto& [path, slot] : slots_) slot.reader->request(c);
}

}  // namespace lambdascope::capture
