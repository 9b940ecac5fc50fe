#include "formats/perf_script_symbols.hpp"

namespace lambdascope::formats::perf_script {

using profile::FrameKind;

namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool is_ident(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::string_view basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_perf_map(std::string_view m) {
  // The Perl script's m:/tmp/perf-\d+\.map: (unanchored).
  for (size_t p = m.find("/tmp/perf-"); p != std::string_view::npos; p = m.find("/tmp/perf-", p + 1)) {
    size_t i = p + 10, digits = i;
    while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
    if (i > digits && m.substr(i, 4) == ".map") return true;
  }
  return false;
}

// Perl's m/\.\(.*\)\./: a Go method like "net/http.(*Client).Do" keeps all its parentheses.
bool looks_like_go_method(std::string_view s) {
  size_t open = s.find(".(");
  if (open == std::string_view::npos) return false;
  size_t close = s.rfind(").");
  return close != std::string_view::npos && close >= open + 2;
}

// Where the argument list starts: the first '(' at bracket depth 0 that does not open "(anonymous
// namespace)" and does not follow a '.' (Go). The '<' and '>' of "operator<", "operator<<=", ... are not
// brackets.
size_t argument_list_start(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == 'o' && s.substr(i, 8) == "operator" && (i == 0 || !is_ident(s[i - 1]))) {
      size_t j = i + 8;
      while (j < s.size() && j < i + 11 && (s[j] == '<' || s[j] == '>' || s[j] == '=')) ++j;
      i = j - 1;
      continue;
    }
    switch (c) {
      case '<':
      case '{':
      case '[':
        ++depth;
        break;
      case '>':
      case '}':
      case ']':
      case ')':
        if (depth > 0) --depth;
        break;
      case '(':
        if (depth == 0 && s.substr(i, 21) != "(anonymous namespace)" && !(i > 0 && s[i - 1] == '.')) return i;
        ++depth;
        break;
      default:
        break;
    }
  }
  return s.size();
}

}  // namespace

FrameKind classify_module(std::string_view m) {
  if (m == "inlined") return FrameKind::kInlined;
  if (m.starts_with("[JIT]")) return FrameKind::kJit;
  if (m.starts_with('[') && m.find("unknown") == std::string_view::npos) return FrameKind::kKernel;
  if (m.ends_with(".ko") || m.ends_with(".ko.xz") || m.ends_with(".ko.gz") || m.ends_with(".ko.zst"))
    return FrameKind::kKernel;
  if (m.ends_with("vmlinux") || basename(m).starts_with("vmlinux-")) return FrameKind::kKernel;
  if (is_perf_map(m)) return FrameKind::kJit;
  if (m.find("/jitted-") != std::string_view::npos && m.ends_with(".so")) return FrameKind::kJit;
  return FrameKind::kNative;
}

std::string_view strip_offset(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && is_lower_hex(s[i - 1])) --i;
  if (i < s.size() && i >= 3 && s.substr(i - 3, 3) == "+0x") return s.substr(0, i - 3);
  return s;
}

std::string tidy_function_name(std::string_view name, bool java) {
  std::string f(name);
  for (char& c : f)
    if (c == ';') c = ':';
  if (!looks_like_go_method(f)) f.resize(argument_list_start(f));
  std::erase_if(f, [](char c) { return c == '"' || c == '\''; });
  if (java && !f.empty() && f.front() == 'L' && f.find('/') != std::string::npos) f.erase(0, 1);
  return f;
}

size_t tidy_frame(const FrameLine& frame, const TidyOptions& options, std::vector<TidiedFrame>* out) {
  std::string_view sym = strip_offset(frame.symbol);
  if (sym.empty() || sym.front() == '(') return 0;
  // Perl's split /->/ drops trailing empty fields.
  std::vector<std::string_view> parts;
  for (size_t pos = 0;;) {
    size_t arrow = sym.find("->", pos);
    parts.push_back(sym.substr(pos, arrow == std::string_view::npos ? std::string_view::npos : arrow - pos));
    if (arrow == std::string_view::npos) break;
    pos = arrow + 2;
  }
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  FrameKind outer_kind = classify_module(frame.module);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name;
    if (parts[i] == "[unknown]") {
      std::string_view base =
          frame.module == "[unknown]" ? std::string_view("unknown") : basename(frame.module);
      std::string bracketed;
      bracketed.reserve(base.size() + frame.address.size() + 5);
      bracketed.push_back('[');
      bracketed.append(base);
      if (options.addrs) bracketed.append(" <").append(frame.address).push_back('>');
      bracketed.push_back(']');
      name = tidy_function_name(bracketed, options.java);
    } else {
      name = tidy_function_name(parts[i], options.java);
    }
    TidiedFrame t;
    t.kind = outer_kind;
    if (i > 0) {
      if (name.find("_[i]") == std::string::npos) name += "_[i]";
      t.kind = FrameKind::kInlined;
    }
    t.name = std::move(name);
    out->push_back(std::move(t));
  }
  return parts.size();
}

std::string_view event_base_name(std::string_view event) {
  size_t colon = event.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == event.size()) return event;
  for (char c : event.substr(colon + 1))
    if (std::string_view("ukhIGHpPSDWeb").find(c) == std::string_view::npos) return event;
  return event.substr(0, colon);
}

bool is_cpu_time_event(std::string_view base) {
  return base == "cpu-clock" || base == "task-clock";
}

}  // namespace lambdascope::formats::perf_script
