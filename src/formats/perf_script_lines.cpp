#include "formats/perf_script_lines.hpp"

#include <limits>

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
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return begin == end; }
};

inline Token next_token(std::string_view line, size_t& pos) {
  while (pos < line.size() && is_space(line[pos])) ++pos;
  size_t b = pos;
  while (pos < line.size() && !is_space(line[pos])) ++pos;
  return {b, pos};
}

std::string_view text(std::string_view line, Token t) {
  return line.substr(t.begin, t.end - t.begin);
}

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
  uint64_t a = 0, b = 0;
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    if (!parse_uint(s, kMax, &a)) return false;
    *pid = -1;
    *tid = static_cast<int32_t>(a);
    return true;
  }
  if (!parse_uint(s.substr(0, slash), kMax, &a) || !parse_uint(s.substr(slash + 1), kMax, &b)) return false;
  *pid = static_cast<int32_t>(a);
  *tid = static_cast<int32_t>(b);
  return true;
}

bool is_pid_token(std::string_view s) {
  if (s.empty() || !is_digit(s.front())) return false;
  int32_t p, t;
  return parse_pid_tid(s, &p, &t);
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
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  uint64_t secs = 0;
  // int64 nanoseconds reach 9.2e9 seconds.
  if (!parse_uint(whole, 9'000'000'000ULL, &secs)) return false;
  if (dot != std::string_view::npos && (frac.empty() || !all_digits(frac))) return false;
  int64_t f = 0;
  for (size_t i = 0; i < 9; ++i) f = f * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  *ns = static_cast<int64_t>(secs) * kBillion + f;
  return true;
}

bool parse_event_line(std::string_view line, EventLine* out) {
  // Tokens up to and including the event (the first token ending in ':' that is not the timestamp); the
  // payload after it is not split. A comm has at most 15 characters, so a few tokens are enough.
  constexpr size_t kMaxTokens = 24;
  Token tokens[kMaxTokens];
  size_t n = 0;
  size_t time_at = 0;  // index of the timestamp token; 0 = none (token 0 is always the comm)
  for (size_t pos = 0; n < kMaxTokens;) {
    Token t = next_token(line, pos);
    if (t.empty()) break;
    tokens[n++] = t;
    if (n == 1 || line[t.end - 1] != ':') continue;
    if (time_at == 0 && is_time_token(text(line, t))) {
      time_at = n - 1;
      continue;
    }
    break;  // the event
  }
  if (n < 2) return false;

  // The thread token: right before the timestamp (or before "[cpu]" before it) when there is one, else the
  // first all-digit token after the comm's first word, as stackcollapse-perf.pl reads it.
  size_t thread_at = 0;
  if (time_at >= 2) {
    size_t p = time_at - 1;
    int32_t cpu;
    if (parse_cpu_token(text(line, tokens[p]), &cpu)) --p;
    if (p >= 1 && is_pid_token(text(line, tokens[p]))) thread_at = p;
  }
  if (thread_at == 0) {
    size_t limit = time_at ? time_at : n;
    for (size_t i = 1; i < limit && thread_at == 0; ++i)
      if (is_pid_token(text(line, tokens[i]))) thread_at = i;
  }
  // The thread token must be followed by more fields, as both reference collapsers require.
  if (thread_at == 0 || tokens[thread_at].end >= line.size()) return false;

  EventLine e;
  e.comm = line.substr(tokens[0].begin, tokens[thread_at - 1].end - tokens[0].begin);
  parse_pid_tid(text(line, tokens[thread_at]), &e.pid, &e.tid);
  bool have_cpu = false, have_time = false;
  size_t pos = tokens[thread_at].end;
  for (;;) {
    Token t = next_token(line, pos);
    if (t.empty()) break;
    std::string_view tt = text(line, t);
    if (!have_cpu && !have_time && !e.has_period && parse_cpu_token(tt, &e.cpu)) {
      have_cpu = true;
    } else if (!have_time && !e.has_period && is_time_token(tt)) {
      have_time = true;
      if (!parse_seconds_ns(tt.substr(0, tt.size() - 1), &e.time_ns)) e.time_ns = profile::kNoTime;
    } else if (!e.has_period && all_digits(tt)) {
      e.has_period = true;
      if (!parse_uint(tt, std::numeric_limits<uint64_t>::max(), &e.period))
        e.period = std::numeric_limits<uint64_t>::max();
    } else {
      if (tt.size() > 1 && tt.back() == ':') {
        e.event = tt.substr(0, tt.size() - 1);
        e.trailing = trim(line.substr(t.end));
      } else {
        e.trailing = trim(line.substr(t.begin));
      }
      break;
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
