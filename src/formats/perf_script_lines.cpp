#include "formats/perf_script_lines.hpp"

#include <algorithm>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lambdascope::formats::perf_script {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// Token boundaries in a line: [begin, end).
struct Token {
  size_t begin;  // no initializers: arrays of tokens are filled, not zeroed
  size_t end;
  bool empty() const { return begin == end; }
};

std::string_view text(std::string_view line, Token t) {
  return line.substr(t.begin, t.end - t.begin);
}

// Where the spaces of a line are, for its first 128 bytes as bits (event lines are short: this is every one
// of them), so tokens are found with bit scans instead of a test per byte; bytes past that are tested one
// by one.
class SpaceMask {
 public:
  explicit SpaceMask(std::string_view line) : line_(line) {
    for (size_t w = 0; w < 2; ++w) {
      uint64_t m = 0;
      for (size_t k = 0; k < 64; k += 16) {
        size_t at = w * 64 + k;
        if (at >= line.size()) {
          m |= ~uint64_t{0} << k;  // past the end: spaces
          break;
        }
        m |= uint64_t{chunk(line, at)} << k;
      }
      masks_[w] = m;
    }
  }
  // The first non-space at or after `pos` (the line's size when none).
  size_t next_word(size_t pos) const { return scan(pos, true); }
  // The first space at or after `pos` (the line's size when none).
  size_t next_space(size_t pos) const { return scan(pos, false); }

 private:
  static uint32_t chunk(std::string_view line, size_t at) {
    size_t n = std::min<size_t>(16, line.size() - at);
#if defined(__SSE2__)
    if (line.size() >= 16) {
      // A short last chunk is loaded as the line's last 16 bytes and shifted into place.
      size_t from = n == 16 ? at : line.size() - 16;
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + from));
      // ' ', or '\t' '\n' '\v' '\f' '\r' (9..13)
      __m128i sp = _mm_or_si128(
          _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
          _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(8)), _mm_cmpgt_epi8(_mm_set1_epi8(14), v)));
      uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(sp)) >> (at - from);
      return (m | (0xffffu << n)) & 0xffff;  // past the end: spaces
    }
#endif
    uint32_t m = 0;
    for (size_t i = 0; i < n; ++i) m |= uint32_t{is_space(line[at + i]) || line[at + i] == '\n'} << i;
    return m | (0xffffu << n & 0xffff);  // past the end: spaces
  }
  size_t scan(size_t pos, bool want_word) const {
    while (pos < 128 && pos < line_.size()) {
      uint64_t m = masks_[pos / 64];
      if (want_word) m = ~m;
      m &= ~uint64_t{0} << (pos % 64);
      if (m) return std::min(line_.size(), (pos / 64) * 64 + static_cast<size_t>(__builtin_ctzll(m)));
      pos = (pos / 64 + 1) * 64;
    }
    while (pos < line_.size() && is_space(line_[pos]) == want_word) ++pos;
    return std::min(pos, line_.size());
  }
  std::string_view line_;
  uint64_t masks_[2];
};

// Parses decimal digits into an integer no larger than `max`; false on overflow.
bool parse_uint(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, static_cast<uint64_t>(c - '0'), &v))
      return false;
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// "123" or "123/456": a thread id, or a process and thread id.
bool parse_pid_tid(std::string_view s, int32_t* pid, int32_t* tid) {
  constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
  uint64_t v[2] = {0, 0};
  int part = 0;
  size_t digits = 0;
  for (char c : s) {
    if (c == '/' && part == 0 && digits > 0) {
      part = 1;
      digits = 0;
      continue;
    }
    if (!is_digit(c) || ++digits > 10) return false;
    v[part] = v[part] * 10 + static_cast<uint64_t>(c - '0');
  }
  if (digits == 0 || v[0] > kMax || v[1] > kMax) return false;
  *pid = part ? static_cast<int32_t>(v[0]) : -1;
  *tid = static_cast<int32_t>(part ? v[1] : v[0]);
  return true;
}

// "[003]"
bool parse_cpu_token(std::string_view s, int32_t* cpu) {
  uint64_t v;
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  if (!parse_uint(s.substr(1, s.size() - 2), std::numeric_limits<int32_t>::max(), &v)) return false;
  *cpu = static_cast<int32_t>(v);
  return true;
}

// "158665.570607:"
bool is_time_token(std::string_view s) {
  if (s.size() < 4 || s.back() != ':') return false;
  s.remove_suffix(1);
  size_t dot = s.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < s.size() && all_digits(s.substr(0, dot)) &&
         all_digits(s.substr(dot + 1));
}

}  // namespace

bool parse_seconds_ns(std::string_view s, int64_t* ns) {
  constexpr int64_t kBillion = 1'000'000'000;
  static constexpr int64_t kScale[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                         10000,      1000,      100,      10,      1};
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  uint64_t secs = 0;
  // int64 nanoseconds reach 9.2e9 seconds.
  if (!parse_uint(whole, 9'000'000'000ULL, &secs)) return false;
  int64_t f = 0;
  if (dot != std::string_view::npos) {
    std::string_view frac = s.substr(dot + 1);
    if (frac.empty() || !all_digits(frac)) return false;
    size_t digits = std::min<size_t>(frac.size(), 9);  // beyond nanoseconds: truncated
    for (size_t i = 0; i < digits; ++i) f = f * 10 + (frac[i] - '0');
    f *= kScale[digits];
  }
  *ns = static_cast<int64_t>(secs) * kBillion + f;
  return true;
}

bool parse_event_line(std::string_view line, EventLine* out) {
  // One pass over the tokens up to and including the event (the first token after the comm's first word
  // ending in ':' that is not the timestamp); the payload after it is not split. A comm has at most 15
  // characters, so a few tokens are enough.
  constexpr size_t kMaxTokens = 24;
  Token tokens[kMaxTokens];
  size_t n = 0;
  size_t time_at = 0;   // index of the timestamp token; 0 = none (token 0 is always the comm)
  size_t event_at = 0;  // index of the event token; 0 = none
  const char* d = line.data();
  const size_t size = line.size();
  SpaceMask spaces(line);
  for (size_t pos = 0; n < kMaxTokens;) {
    pos = spaces.next_word(pos);
    if (pos == size) break;
    size_t b = pos;
    pos = spaces.next_space(pos);
    tokens[n++] = {b, pos};
    if (n == 1 || d[pos - 1] != ':') continue;
    if (time_at == 0 && is_time_token(line.substr(b, pos - b))) {
      time_at = n - 1;
      continue;
    }
    event_at = n - 1;
    break;
  }
  if (n < 2) return false;

  // The thread token: right before the timestamp (or before "[cpu]" before it) when there is one, else the
  // first all-digit token after the comm's first word, as stackcollapse-perf.pl reads it.
  EventLine e;
  size_t thread_at = 0;
  if (time_at >= 2) {
    size_t p = time_at - 1;
    if (parse_cpu_token(text(line, tokens[p]), &e.cpu)) --p;
    if (p >= 1 && parse_pid_tid(text(line, tokens[p]), &e.pid, &e.tid)) thread_at = p;
  }
  if (thread_at == 0) {
    size_t limit = time_at ? time_at : n;
    for (size_t i = 1; i < limit && thread_at == 0; ++i)
      if (parse_pid_tid(text(line, tokens[i]), &e.pid, &e.tid)) thread_at = i;
  }
  // The thread token must be followed by more fields, as both reference collapsers require.
  if (thread_at == 0 || tokens[thread_at].end >= size) return false;
  e.comm = line.substr(tokens[0].begin, tokens[thread_at - 1].end - tokens[0].begin);

  // Then, each optional and in this order: [cpu], time, period, and the event.
  size_t i = thread_at + 1;
  e.cpu = -1;
  if (i < n && parse_cpu_token(text(line, tokens[i]), &e.cpu)) ++i;
  if (i < n && i == time_at) {
    std::string_view t = text(line, tokens[i]);
    if (!parse_seconds_ns(t.substr(0, t.size() - 1), &e.time_ns)) e.time_ns = profile::kNoTime;
    ++i;
  }
  if (i < n && i != event_at && all_digits(text(line, tokens[i]))) {
    e.has_period = true;
    if (!parse_uint(text(line, tokens[i]), std::numeric_limits<uint64_t>::max(), &e.period))
      e.period = std::numeric_limits<uint64_t>::max();
    ++i;
  }
  if (i < n) {
    if (i == event_at) {
      e.event = line.substr(tokens[i].begin, tokens[i].end - tokens[i].begin - 1);
      e.trailing = trim(line.substr(tokens[i].end));
    } else {
      e.trailing = trim(line.substr(tokens[i].begin));
    }
  }
  *out = e;
  return true;
}

bool parse_frame_line(std::string_view line, FrameLine* out, bool allow_no_address) {
  std::string_view s = trim(line);
  if (s.size() < 3 || s.back() != ')') return false;
  // The DSO is inside the parentheses that close the line; match them, so "(/lib/x.so (deleted))" stays
  // whole.
  size_t open = std::string_view::npos;
  int depth = 0;
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] == ')') {
      ++depth;
    } else if (s[i] == '(' && --depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos || open == 0 || s[open - 1] != ' ') {
    // Unbalanced: stackcollapse-perf.pl's greedy rule, the last " (" before the closing ')'.
    size_t sp = s.rfind(" (", s.size() - 2);
    if (sp == std::string_view::npos) return false;
    open = sp + 1;
  }
  if (open < 2) return false;  // nothing before " ("
  FrameLine f;
  f.module = s.substr(open + 1, s.size() - open - 2);
  std::string_view head = s.substr(0, open - 1);
  size_t a = 0;
  while (a < head.size() && is_hex(head[a])) ++a;
  if (a > 0 && (a == head.size() || is_space(head[a]))) {
    f.address = head.substr(0, a);
    f.symbol = trim_left(head.substr(a));
    if (f.symbol.empty()) f.symbol = " ";  // perf printed no symbol; both reference collapsers use " "
  } else {
    if (!allow_no_address) return false;
    f.symbol = head;
  }
  *out = f;
  return true;
}

bool parse_srcline(std::string_view line, std::string_view* file, uint32_t* line_no) {
  if (line.empty() || !is_space(line.front())) return false;
  std::string_view s = trim(line);
  if (s.size() < 3) return false;
  for (char c : s)
    if (is_space(c)) return false;
  *file = {};
  *line_no = 0;
  if (s.back() == ']') {  // "libc.so.6[27b25]", "[kernel.kallsyms][ffffffff814f9302]"
    size_t lb = s.rfind('[');
    if (lb == std::string_view::npos || lb + 2 > s.size() - 1) return false;
    std::string_view addr = s.substr(lb + 1, s.size() - lb - 2);
    if (addr.size() > 2 && addr[0] == '0' && (addr[1] == 'x' || addr[1] == 'X')) addr.remove_prefix(2);
    for (char c : addr)
      if (!is_hex(c)) return false;
    return !addr.empty();
  }
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  std::string_view num = s.substr(colon + 1);
  std::string_view name = s.substr(0, colon);
  if (num.find_first_not_of('?') == std::string_view::npos) return true;  // "??:?" / "file.c:?"
  uint64_t v;
  if (!parse_uint(num, std::numeric_limits<uint32_t>::max(), &v)) return false;
  if (name != "??") {
    *file = name;
    *line_no = static_cast<uint32_t>(v);
  }
  return true;
}

bool parse_header_line(std::string_view line, std::string_view* key, std::string_view* value) {
  if (line.empty() || line.front() != '#') return false;
  std::string_view s = trim(line.substr(1));
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view k = trim(s.substr(0, colon));
  if (k.empty()) return false;
  for (char c : k)
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ' '))
      return false;
  *key = k;
  *value = trim(s.substr(colon + 1));
  return true;
}

}  // namespace lambdascope::formats::perf_script
