#include "formats/perf_script_block_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "formats/parse_error.hpp"
#include "formats/perf_script_scan.hpp"
#include "profile/hash.hpp"

namespace lambdascope::formats::perf_script {

using profile::FrameId;
using profile::StackId;

namespace {

constexpr std::string_view kFrameShape = "\"<address> <symbol> (<dso>)\"";
constexpr std::string_view kEventShape = "\"<comm> <pid>[/<tid>] [<cpu>] <seconds>: [<period>] <event>:\"";

// A byte no perf script text contains: the input is binary, not a weird line.
int control_byte(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') return c;
  }
  return -1;
}

std::string excerpt(std::string_view s) {
  return quote_excerpt(s.data(), s.size(), 80);
}

std::string hex_byte(int c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[(c >> 4) & 15] + kDigits[c & 15];
}

// A line that starts like a frame (a hex address and a space) but does not end like one.
bool starts_like_frame(std::string_view s) {
  s = trim_left(s);
  size_t i = 0;
  while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
  return i > 0 && i < s.size() && is_space(s[i]);
}

}  // namespace

BlockParser::BlockParser(ParserConfig config)
    : config_(std::move(config)), aggregator_(profile_, profile::AggregateKeys{}) {
  // Count and period; the reader names the second type once the whole input is read.
  profile_.meta.sample_types = {{"samples", "count"}, {"period", "events"}};
}

void BlockParser::clear_samples() {
  profile::SampleColumns& s = profile_.samples;
  s.stack.clear();
  s.values.clear();
  s.time_ns.clear();
  s.pid.clear();
  s.tid.clear();
  s.cpu.clear();
  s.thread_name.clear();
  s.labels.clear();
  aggregator_.reset();
}

BlockResult BlockParser::parse(std::string_view block, bool at_end) {
  BlockResult r;
  r.first_sample = profile_.num_samples();
  aggregator_.reset();  // samples are summed within the block, so each block is one range
  result_ = &r;
  state_ = State::kOutside;
  // Text never holds a NUL byte: with one, the input is binary even where it happens to look like lines.
  // Parse up to its line (an earlier error comes first), then stop there.
  std::string_view text = block;
  const void* nul = std::memchr(block.data(), '\0', block.size());
  if (nul) {
    size_t at = static_cast<size_t>(static_cast<const char*>(nul) - block.data());
    size_t line_start = block.rfind('\n', at);
    text = block.substr(0, line_start == std::string_view::npos ? 0 : line_start + 1);
    at_end = false;
  }
  size_t pos = 0;
  pending_.active = false;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    ++r.lines;
    bool at_pending = pending_.active && pos == pending_.blank_line;
    bool clean = at_pending && state_ == State::kInRecord && record_clean_ && r.records == pending_.record;
    handle_line(text.substr(pos, end - pos), at_end && !nl, r);
    if (at_pending) {
      if (clean)
        remember_record(text.substr(pending_.body, pending_.blank_line - pending_.body),
                        static_cast<uint32_t>(r.lines - 1 - pending_.lines_before));
      pending_.active = false;
    }
    if (r.error) break;
    pos = end + 1;
    if (callchain_follows_) {
      callchain_follows_ = false;
      pos = known_record(text, pos, r);
    }
  }
  if (!r.error && nul)
    r.error = LineIssue{++r.lines, "binary data (byte 0x00) where perf script text was expected"};
  if (!r.error) end_record();  // blocks end at record boundaries
  state_ = State::kOutside;
  leaf_first_.clear();
  r.end_sample = profile_.num_samples();
  for (auto& [event, count] : skipped_) r.skipped_events.emplace_back(event, count);
  skipped_.clear();
  last_event_.clear();
  result_ = nullptr;
  return r;
}

void BlockParser::warn(BlockResult& r, std::string message) {
  ++r.warning_count;
  if (r.warnings.size() < kWarningsPerBlock) r.warnings.push_back({r.lines, std::move(message)});
}

void BlockParser::handle_line(std::string_view raw, bool unterminated, BlockResult& r) {
  std::string_view line = trim_right(raw);
  if (line.empty()) {
    end_record();
    return;
  }
  if (line.front() == '#') {  // header and comments, anywhere (as the Perl script skips them)
    record_clean_ = false;
    return;
  }
  if (state_ == State::kInRecord && add_known_frame(line)) return;
  FrameLine frame;
  EventLine event;
  if (state_ != State::kOutside) {
    if (parse_frame_line(line, &frame)) {
      if (state_ == State::kInRecord) add_frame(frame, text_after_address(line));
      last_was_frame_ = true;
      return;
    }
    record_clean_ = false;  // anything but frame lines: the record is not cached
    std::string_view file;
    uint32_t line_no;
    if (last_was_frame_ && parse_srcline(line, &file, &line_no)) {
      if (state_ == State::kInRecord) add_srcline(file, line_no);
      last_was_frame_ = false;
      return;
    }
    // An event line without a blank line before it starts the next record (records without callchains).
    if (parse_event_line(line, &event) && (!unterminated || !event.event.empty())) {
      end_record();
      start_record(event, r);
      return;
    }
    if (parse_frame_line(line, &frame, /*allow_no_address=*/true)) {
      if (state_ == State::kInRecord) add_frame(frame, {});
      last_was_frame_ = true;
      return;
    }
    last_was_frame_ = false;
    if (int c = control_byte(line); c >= 0) {
      r.error =
          LineIssue{r.lines, "binary data (byte " + hex_byte(c) + ") where perf script text was expected"};
      return;
    }
    if (unterminated) {
      r.error = LineIssue{r.lines, "the input ends inside a record (truncated?): expected a frame line " +
                                       std::string(kFrameShape) + ", got " + excerpt(line)};
      return;
    }
    warn(r, "skipped a line in a record: expected a frame line " + std::string(kFrameShape) + ", got " +
                excerpt(line));
    return;
  }
  if (parse_event_line(line, &event) && (!unterminated || !event.event.empty())) {
    if (unterminated && !event.trailing.empty() && starts_like_frame(event.trailing) &&
        !parse_frame_line(event.trailing, &frame)) {
      r.error = LineIssue{r.lines, "the input ends inside an event line's frame (truncated?): expected " +
                                       std::string(kFrameShape) + ", got " + excerpt(event.trailing)};
      return;
    }
    start_record(event, r);
    return;
  }
  if (int c = control_byte(line); c >= 0) {
    r.error =
        LineIssue{r.lines, "binary data (byte " + hex_byte(c) + ") where perf script text was expected"};
    return;
  }
  if (unterminated) {
    r.error = LineIssue{r.lines, "the input ends inside an event line (truncated?): expected " +
                                     std::string(kEventShape) + ", got " + excerpt(line)};
    return;
  }
  if (parse_frame_line(line, &frame)) {
    warn(r, "skipped frame lines outside a record (a blank line inside a callchain?), from " + excerpt(line));
  } else {
    warn(r, "skipped a line: expected an event line " + std::string(kEventShape) + ", got " + excerpt(line));
  }
  // Its frames, if any, belong to a record we could not read.
  state_ = State::kSkipRecord;
  last_was_frame_ = false;
}

bool BlockParser::keep_event(std::string_view event, BlockResult&) {
  if (event.empty()) return true;  // the line names no event: nothing to filter on
  if (event == last_event_) {
    if (!last_event_kept_) ++skipped_[last_event_];
    return last_event_kept_;
  }
  last_event_.assign(event);
  bool keep;
  if (config_.event_filter.empty()) {
    config_.event_filter.assign(event);
    keep = true;
  } else if (config_.user_filter) {
    keep = event == config_.event_filter || event_base_name(event) == config_.event_filter;
  } else {
    // The first event seen, compared by base name as inferno does ("cycles:u" and "cycles" are one event;
    // the Perl script compares the whole token, which no expected output tells apart).
    keep = event_base_name(event) == event_base_name(config_.event_filter);
  }
  last_event_kept_ = keep;
  if (!keep) ++skipped_[last_event_];
  return keep;
}

void BlockParser::start_record(const EventLine& e, BlockResult& r) {
  ++r.records;
  leaf_first_.clear();
  last_was_frame_ = false;
  // Side-band records (perf script --show-task-events, --show-mmap-events, ...) are not samples:
  // "perf 13350 [001] 4361.398186: PERF_RECORD_COMM: perf:13350/13350".
  if (e.event.starts_with("PERF_RECORD_") || e.trailing.starts_with("PERF_RECORD_")) {
    state_ = State::kSkipRecord;
    return;
  }
  if (!keep_event(e.event, r)) {
    state_ = State::kSkipRecord;
    return;
  }
  state_ = State::kInRecord;
  if (e.comm != last_comm_ || last_comm_id_ == 0) {
    last_comm_.assign(e.comm);
    last_comm_id_ = profile_.intern(e.comm);
    java_ = e.comm.starts_with("java");
  }
  row_ = profile::SampleRow{};
  row_.time_ns = e.time_ns;
  row_.pid = e.pid;
  row_.tid = e.tid;
  row_.cpu = e.cpu;
  row_.thread_name = last_comm_id_;
  values_[0] = 1;
  // A record without a period counts 1, as the Perl script counts it.
  values_[1] = e.has_period ? static_cast<double>(e.period) : 1;
  if (e.has_period) r.has_period = true;
  record_clean_ = true;
  FrameLine frame;
  if (!e.trailing.empty() && parse_frame_line(e.trailing, &frame)) {
    // No callchain: the event line carries the sample's only frame, and the record ends here.
    add_frame(frame, {});
    end_record();
  } else {
    callchain_follows_ = true;
  }
}

size_t BlockParser::known_record(std::string_view text, size_t pos, BlockResult& r) {
  // The callchain runs to the next empty line. A callchain seen (twice) before gives its stack without
  // looking at its lines: in CPU-bound recordings most records repeat one of a few thousand callchains.
  if (pos >= text.size() || text[pos] == '\n') return pos;
  // Bounded, so records not ended by an empty line ("\r\n" text, odd spacing) cost little.
  uint64_t h = 0;
  size_t blank = hash_to_empty_line(text, pos, kMaxKnownRecord, java_ ? 0x7a : 0xa7, &h);
  if (blank == std::string_view::npos) return pos;
  std::string_view body = text.substr(pos, blank - pos);
  uint32_t id = record_index_.find(h, [&](uint32_t i) {
    const KnownRecord& k = records_[i];
    return k.java == java_ && std::string_view(record_chars_).substr(k.offset, k.size) == body;
  });
  if (id != profile::IdIndex::kAbsent) {
    const KnownRecord& k = records_[id];
    emit(k.stack);
    state_ = State::kOutside;
    r.lines += k.lines;
    return blank;
  }
  // Only callchains seen twice are kept, so one-off callchains cost a hash slot, not their text.
  if (seen_once_.empty()) seen_once_.resize(1024);
  uint64_t& slot = seen_once_[h & (seen_once_.size() - 1)];
  if (slot == h) {
    pending_ = {true, pos, blank, r.records, r.lines, h};
  } else {
    if (slot == 0 && ++seen_once_count_ * 2 > seen_once_.size() && seen_once_.size() < kSeenOnceSlots) {
      slot = h;
      std::vector<uint64_t> bigger(seen_once_.size() * 2);
      for (uint64_t x : seen_once_)
        if (x) bigger[x & (bigger.size() - 1)] = x;
      seen_once_.swap(bigger);
    } else {
      slot = h;
    }
  }
  return pos;
}

void BlockParser::remember_record(std::string_view body, uint32_t lines) {
  if (record_chars_.size() + body.size() > kKnownRecordBytes) return;  // memory stays bounded
  // Reserved whole: growing by doubling would copy and fault in up to twice the pages.
  if (record_chars_.capacity() < kKnownRecordBytes) record_chars_.reserve(kKnownRecordBytes);
  KnownRecord k;
  k.offset = static_cast<uint32_t>(record_chars_.size());
  k.size = static_cast<uint32_t>(body.size());
  k.lines = lines;
  k.stack = last_stack_;
  k.java = java_;
  bool inserted = false;
  record_index_.find_or_insert(
      pending_.hash,
      [&](uint32_t i) {
        const KnownRecord& o = records_[i];
        return o.java == java_ && std::string_view(record_chars_).substr(o.offset, o.size) == body;
      },
      static_cast<uint32_t>(records_.size()), &inserted);
  if (!inserted) return;
  record_chars_.append(body);
  records_.push_back(k);
}

void BlockParser::end_record() {
  if (state_ == State::kInRecord) emit(intern_stack());
  state_ = State::kOutside;
  last_was_frame_ = false;
  leaf_first_.clear();
}

void BlockParser::emit(StackId stack) {
  last_stack_ = stack;
  {
    row_.stack = stack;
    row_.values = {values_, 2};
    BlockResult& r = *result_;
    if (row_.time_ns != profile::kNoTime) {
      if (r.min_time == profile::kNoTime || row_.time_ns < r.min_time) r.min_time = row_.time_ns;
      if (r.max_time == profile::kNoTime || row_.time_ns > r.max_time) r.max_time = row_.time_ns;
    }
    if (config_.aggregate)
      aggregator_.add(row_);
    else
      profile_.add_sample(row_);
  }
}

bool BlockParser::add_known_frame(std::string_view line) {
  // A frame line is "<spaces><hex address><spaces><rest>", and how it parses depends on <rest> only, so the
  // frames of a <rest> seen before are reused without parsing, tidying or hashing the symbol again.
  std::string_view key = text_after_address(line);
  if (key.empty() || raw_index_.size() == 0) return false;
  uint64_t h = fast_hash(key, java_ ? 0x51 : 0x15);
  uint32_t id = raw_index_.find(h, [&](uint32_t i) {
    const RawFrame& r = raw_[i];
    return r.java == java_ && std::string_view(raw_chars_).substr(r.key_offset, r.key_size) == key;
  });
  if (id == profile::IdIndex::kAbsent || raw_[id].needs_address) return false;
  const RawFrame& r = raw_[id];
  last_frame_begin_ = leaf_first_.size();
  for (uint32_t k = r.frames_count; k-- > 0;) leaf_first_.push_back(cached_frame_ids_[r.frames_offset + k]);
  last_was_frame_ = true;
  return true;
}

void BlockParser::add_frame(const FrameLine& f, std::string_view raw_key) {
  std::string_view symbol = strip_offset(f.symbol);
  std::string_view address;
  bool needs_address = config_.addrs && symbol.find("[unknown]") != std::string_view::npos;
  if (needs_address) address = f.address;
  uint64_t h = fast_hash(symbol, java_ ? 0x51 : 0x15);
  h = fast_hash(f.module, h);
  if (!address.empty()) h = fast_hash(address, h);
  auto view = [&](uint32_t offset, uint32_t size) {
    return std::string_view(key_chars_).substr(offset, size);
  };
  bool inserted = false;
  uint32_t id = frame_index_.find_or_insert(
      h,
      [&](uint32_t i) {
        const CachedFrames& c = cached_[i];
        return c.java == java_ && view(c.symbol_offset, c.symbol_size) == symbol &&
               view(c.module_offset, c.module_size) == f.module &&
               view(c.address_offset, c.address_size) == address;
      },
      static_cast<uint32_t>(cached_.size()), &inserted);
  if (inserted) {
    CachedFrames c{};
    auto keep = [&](std::string_view s, uint32_t* offset, uint32_t* size) {
      *offset = static_cast<uint32_t>(key_chars_.size());
      *size = static_cast<uint32_t>(s.size());
      key_chars_.append(s);
    };
    keep(symbol, &c.symbol_offset, &c.symbol_size);
    keep(f.module, &c.module_offset, &c.module_size);
    keep(address, &c.address_offset, &c.address_size);
    c.java = java_;
    tidy_scratch_.clear();
    FrameLine key = f;
    key.symbol = symbol;
    tidy_frame(key, {java_, config_.addrs}, &tidy_scratch_);
    c.frames_offset = static_cast<uint32_t>(cached_frame_ids_.size());
    c.frames_count = static_cast<uint32_t>(tidy_scratch_.size());
    for (const TidiedFrame& t : tidy_scratch_)
      cached_frame_ids_.push_back(profile_.intern_frame(t.name, f.module, t.kind));
    cached_.push_back(c);
  }
  const CachedFrames& c = cached_[id];
  if (!raw_key.empty()) {
    uint64_t rh = fast_hash(raw_key, java_ ? 0x51 : 0x15);
    bool raw_inserted = false;
    raw_index_.find_or_insert(
        rh,
        [&](uint32_t i) {
          const RawFrame& r = raw_[i];
          return r.java == java_ && std::string_view(raw_chars_).substr(r.key_offset, r.key_size) == raw_key;
        },
        static_cast<uint32_t>(raw_.size()), &raw_inserted);
    if (raw_inserted) {
      raw_.push_back({static_cast<uint32_t>(raw_chars_.size()), static_cast<uint32_t>(raw_key.size()),
                      c.frames_offset, c.frames_count, java_, needs_address});
      raw_chars_.append(raw_key);
    }
  }
  last_frame_begin_ = leaf_first_.size();
  // The chain is outermost first; the record is read leaf first.
  for (uint32_t k = c.frames_count; k-- > 0;) leaf_first_.push_back(cached_frame_ids_[c.frames_offset + k]);
}

void BlockParser::add_srcline(std::string_view file, uint32_t line) {
  if (file.empty() || last_frame_begin_ >= leaf_first_.size()) return;
  profile::Frame f = profile_.frames[leaf_first_[last_frame_begin_]];
  f.file = profile_.intern(file);
  f.line = line;
  leaf_first_[last_frame_begin_] = profile_.frames.intern(f);
}

StackId BlockParser::intern_stack() {
  const profile::StackTrie& trie = profile_.stacks;
  uint64_t h = fast_hash(std::string_view(reinterpret_cast<const char*>(leaf_first_.data()),
                                          leaf_first_.size() * sizeof(FrameId)),
                         0x5eed);
  bool inserted = false;
  uint32_t id = stack_index_.find_or_insert(
      h,
      [&](uint32_t i) {
        StackId s = stack_ids_[i];
        if (trie.depth(s) != leaf_first_.size()) return false;
        for (FrameId f : leaf_first_) {
          if (trie.frame(s) != f) return false;
          s = trie.parent(s);
        }
        return true;
      },
      static_cast<uint32_t>(stack_ids_.size()), &inserted);
  if (inserted) {
    StackId s = profile::StackTrie::kRoot;
    for (size_t i = leaf_first_.size(); i > 0; --i) s = profile_.stacks.push(s, leaf_first_[i - 1]);
    stack_ids_.push_back(s);
  }
  return stack_ids_[id];
}

}  // namespace lambdascope::formats::perf_script
