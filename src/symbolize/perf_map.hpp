// perf-PID.map files written by JIT runtimes (Node --perf-basic-prof, Python 3.12+ -X perf, .NET
// DOTNET_PerfMapEnabled, Java agents): "START SIZE name" per line, hex without 0x (0x tolerated), the name
// is the rest of the line. The file is append-only and code can be freed and its address reused, so the
// newest entry covering an address wins. Parsing is incremental: reload() reads only what was appended.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace lambdascope::symbolize {

class PerfMap {
 public:
  explicit PerfMap(std::string path) : path_(std::move(path)) {}

  // Reads lines appended since the last call; returns false when the file cannot be read.
  bool reload();
  // Parses text directly (tests); `text` may end in the middle of a line, which is kept for later.
  void parse(std::string_view text);

  // The name of the JIT code containing `addr`, or nullptr.
  const std::string* find(uint64_t addr) const;
  size_t size() const { return entries_.size(); }
  const std::string& path() const { return path_; }
  uint64_t bad_lines() const { return bad_lines_; }

 private:
  struct Entry {
    uint64_t end;
    std::string name;
  };
  void add(uint64_t start, uint64_t size, std::string_view name);

  std::string path_;
  uint64_t offset_ = 0;
  std::string partial_;
  std::map<uint64_t, Entry> entries_;  // by start; never overlapping
  uint64_t bad_lines_ = 0;
};

}  // namespace lambdascope::symbolize
