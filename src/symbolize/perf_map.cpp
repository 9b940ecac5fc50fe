#include "symbolize/perf_map.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace lambdascope::symbolize {

namespace {

constexpr size_t kMaxName = 1024;

bool parse_hex(std::string_view& s, uint64_t* out) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  uint64_t v = 0;
  size_t n = 0;
  for (; n < s.size(); ++n) {
    char c = s[n];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) break;
    if (v >> 60) return false;  // more than 16 digits
    v = v * 16 + static_cast<uint64_t>(d);
  }
  if (n == 0) return false;
  s.remove_prefix(n);
  *out = v;
  return true;
}

}  // namespace

bool PerfMap::reload() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, static_cast<off_t>(offset_));
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    offset_ += static_cast<uint64_t>(n);
  }
  ::close(fd);
  parse(text);
  return true;
}

void PerfMap::parse(std::string_view text) {
  std::string joined;
  if (!partial_.empty()) {
    joined = partial_ + std::string(text);
    text = joined;
    partial_.clear();
  }
  while (!text.empty()) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      partial_ = std::string(text);  // an entry being written right now
      break;
    }
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    uint64_t start, size;
    if (!parse_hex(line, &start) || line.empty() || line[0] != ' ') {
      ++bad_lines_;
      continue;
    }
    line.remove_prefix(1);
    if (!parse_hex(line, &size) || line.empty() || line[0] != ' ' || size == 0 || start + size < start) {
      ++bad_lines_;
      continue;
    }
    line.remove_prefix(1);
    if (line.size() > kMaxName) line = line.substr(0, kMaxName);
    add(start, size, line);
  }
}

void PerfMap::add(uint64_t start, uint64_t size, std::string_view name) {
  uint64_t end = start + size;
  // Remove or trim what the new entry overlaps: the newest wins.
  auto it = entries_.lower_bound(start);
  if (it != entries_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > start) {
      Entry tail = prev->second;
      prev->second.end = start;
      if (tail.end > end) entries_[end] = Entry{tail.end, tail.name};
    }
  }
  it = entries_.lower_bound(start);
  while (it != entries_.end() && it->first < end) {
    if (it->second.end > end) {
      Entry rest{it->second.end, it->second.name};
      entries_.erase(it);
      entries_[end] = std::move(rest);
      break;
    }
    it = entries_.erase(it);
  }
  entries_[start] = Entry{end, std::string(name)};
}

const std::string* PerfMap::find(uint64_t addr) const {
  auto it = entries_.upper_bound(addr);
  if (it == entries_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second.name : nullptr;
}

}  // namespace lambdascope::symbolize
