// Folded (collapsed) stacks in: "frame;frame;...;leaf COUNT" per line, as stackcollapse-*.pl, inferno,
// async-profiler and py-spy write them. Also: fractional counts, CRLF, UTF-16 with a byte order mark, '#'
// comments, and flamegraph.pl's two-count differential lines "stack BEFORE AFTER". Lines that do not end in a
// count are skipped with a warning (as flamegraph.pl and inferno do); an input with no stack line at all is
// an error. Frame names keep their annotation suffixes (_[k], _[j], _[i], ...), which also set the frame
// kind.
#include <iconv.h>

#include <charconv>
#include <cstring>
#include <vector>

#include "formats/line_reader.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

using profile::FrameKind;

bool parse_count(std::string_view s, double& out) {
  if (s.empty() || !(s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  if (std::count(s.begin(), s.end(), '.') > 1) return false;
  // from_chars rejects "12." so drop a trailing dot (flamegraph.pl accepts it).
  if (s.back() == '.') s.remove_suffix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits "stack COUNT" at the last blank; false when the line does not end in a count. Blanks before that one
// belong to the stack, as in flamegraph.pl's /^(.*)\s+?(\d+(?:\.\d*)?)$/ (a frame can be a lone space).
bool split_count(std::string_view& rest, double& count) {
  size_t sp = rest.find_last_of(" \t");
  if (sp == std::string_view::npos || sp == 0) return false;
  if (!parse_count(rest.substr(sp + 1), count)) return false;
  rest = rest.substr(0, sp);
  return true;
}

FrameKind kind_of(std::string_view name) {
  // Our wall profiles' synthetic leaves: "[waiting: I/O]", "[waiting: lock]", "[waiting: sleep]".
  if (name.starts_with("[waiting: ") && name.ends_with("]")) return FrameKind::kWaiting;
  if (name.size() > 4 && name[name.size() - 4] == '_' && name[name.size() - 3] == '[' && name.back() == ']') {
    switch (name[name.size() - 2]) {
      case 'k':
        return FrameKind::kKernel;
      case 'j':
        return FrameKind::kJit;
      case '1':
        return FrameKind::kJit;  // async-profiler: C1-compiled
      case 'i':
        return FrameKind::kInlined;
      case '0':
        return FrameKind::kInterpreted;  // async-profiler: interpreted
      default:
        break;
    }
  }
  return FrameKind::kNative;
}

std::string utf16_to_utf8(const std::string& name, std::string_view data, bool little_endian) {
  iconv_t cd = iconv_open("UTF-8", little_endian ? "UTF-16LE" : "UTF-16BE");
  if (cd == reinterpret_cast<iconv_t>(-1))
    throw ParseError::whole(name, "cannot convert UTF-16 input (iconv)");
  std::string out(data.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(data.data());
  size_t in_left = data.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1))
    throw ParseError::at_byte(
        name, 2 + (data.size() - in_left),
        "invalid UTF-16: expected a valid code unit sequence after the byte order mark");
  out.resize(out.size() - out_left);
  return out;
}

class FoldedParser {
 public:
  FoldedParser(const std::string& name, const ReadOptions& options) : name_(name), options_(options) {
    p_.meta.sample_types = {{"samples", "count"}};
    p_.meta.set_attribute(profile::attr::kSourceFormat, "folded");
  }

  void line(std::string_view text, uint64_t number) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty() || text.front() == '#') return;
    double second = 0, first = 0;
    std::string_view stack = text;
    if (!split_count(stack, second)) return skip(number, text);
    bool two = split_count(stack, first);
    if (two && !diff_) become_diff();
    frames_.clear();
    size_t pos = 0;
    while (pos <= stack.size()) {
      size_t end = stack.find(';', pos);
      if (end == std::string_view::npos) end = stack.size();
      std::string_view frame = stack.substr(pos, end - pos);
      frames_.push_back(p_.intern_frame(frame, {}, kind_of(frame)));
      pos = end + 1;
    }
    double values[2];
    if (diff_) {
      values[0] = two ? first : second;
      values[1] = second;
    } else {
      values[0] = second;
    }
    profile::SampleRow row;
    row.stack = p_.intern_stack(frames_);
    row.values = {values, diff_ ? size_t{2} : size_t{1}};
    if (options_.aggregate)
      aggregator_.add(row);
    else
      p_.add_sample(row);
    ++lines_;
  }

  profile::Profile finish(bool input_was_empty) {
    if (skipped_ > kWarnLimit && options_.warn)
      options_.warn(name_ + ": " + std::to_string(skipped_) +
                    " lines in all were not folded stacks and were skipped");
    if (lines_ == 0 && !input_was_empty && skipped_ > 0)
      throw ParseError::at_line(name_, first_bad_line_,
                                "expected folded stacks (\"frame;frame;... COUNT\"), found no such line");
    return std::move(p_);
  }

 private:
  static constexpr uint64_t kWarnLimit = 5;

  void skip(uint64_t number, std::string_view text) {
    if (skipped_ == 0) first_bad_line_ = number;
    if (++skipped_ <= kWarnLimit && options_.warn)
      options_.warn(name_ + ":" + std::to_string(number) + ": skipped a line that does not end in a count: " +
                    quote_excerpt(text.data(), text.size()));
  }

  // The first two-count line turns the profile into a differential one: earlier lines count the same before
  // and after (flamegraph.pl treats a one-count line as unchanged).
  void become_diff() {
    diff_ = true;
    std::vector<double> two;
    two.reserve(p_.samples.values.size() * 2);
    for (double v : p_.samples.values) {
      two.push_back(v);
      two.push_back(v);
    }
    p_.samples.values = std::move(two);
    p_.meta.sample_types = {{"base", "count"}, {"new", "count"}};
    p_.meta.default_sample_type = 1;
    p_.meta.set_attribute("diff", "base then new");
  }

  const std::string& name_;
  const ReadOptions& options_;
  profile::Profile p_;
  profile::SampleAggregator aggregator_{p_, profile::AggregateKeys{}};
  std::vector<profile::FrameId> frames_;
  bool diff_ = false;
  uint64_t lines_ = 0, skipped_ = 0, first_bad_line_ = 0;
};

}  // namespace

profile::Profile read_folded(InputSource& in, const ReadOptions& options) {
  std::string_view head = in.peek(2);
  bool le = head.size() == 2 && head[0] == '\xFF' && head[1] == '\xFE';
  bool be = head.size() == 2 && head[0] == '\xFE' && head[1] == '\xFF';
  FoldedParser parser(in.name(), options);
  if (le || be) {
    std::string raw = in.read_all();
    std::string text = utf16_to_utf8(in.name(), std::string_view(raw).substr(2), le);
    auto converted = InputSource::from_memory(in.name(), std::move(text));
    LineReader lines(*converted);
    std::string_view line;
    while (lines.next(line)) parser.line(line, lines.line_number());
    return parser.finish(lines.line_number() == 0);
  }
  LineReader lines(in);
  std::string_view line;
  uint64_t first = 0;
  while (lines.next(line)) {
    if (first == 0 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 byte order mark
    first = 1;
    parser.line(line, lines.line_number());
  }
  return parser.finish(lines.line_number() == 0);
}

}  // namespace lambdascope::formats
