// `perf script` text to a Profile, in parallel: the calling thread reads the input in large blocks cut at
// record boundaries (a blank line, or an event line when records have no callchain), worker threads parse
// blocks into their own profiles (BlockParser), and each block is then merged into the result in file order
// by the thread that parsed it. So the result is the same for any number of threads, samples stay in file
// order, memory holds a bounded number of blocks, and the first error in the file is the one reported.
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "formats/parse_error.hpp"
#include "formats/perf_script_block_parser.hpp"
#include "formats/perf_script_header.hpp"
#include "formats/perf_script_lines.hpp"
#include "formats/perf_script_reader.hpp"
#include "formats/perf_script_symbols.hpp"
#include "formats/reader.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

using perf_script::BlockParser;
using perf_script::BlockResult;

// A record boundary must come within this many bytes; more means the input is not perf script text.
constexpr size_t kMaxBlockBytes = size_t{64} << 20;
constexpr size_t kMaxWarnings = 5;

bool is_blank(const char* b, const char* e) {
  for (; b < e; ++b)
    if (!perf_script::is_space(*b)) return false;
  return true;
}

// The start of the last record that begins in data[0, n) after a first line, or 0 when there is none: the
// line after a blank line, or else (records without callchains, no blank lines) an event line that is not a
// frame line. Parsing from there gives what parsing the whole input from the start gives.
size_t find_record_boundary(const char* d, size_t n) {
  const char* last_nl = static_cast<const char*>(memrchr(d, '\n', n));
  if (!last_nl) return 0;
  size_t le = static_cast<size_t>(last_nl - d);  // '\n' of the last complete line
  for (size_t after = le + 1;;) {
    const char* p = le == 0 ? nullptr : static_cast<const char*>(memrchr(d, '\n', le));
    size_t ls = p ? static_cast<size_t>(p - d) + 1 : 0;
    if (is_blank(d + ls, d + le)) return after;
    if (ls == 0) break;
    after = ls;
    le = ls - 1;
  }
  le = static_cast<size_t>(last_nl - d);
  for (;;) {
    const char* p = le == 0 ? nullptr : static_cast<const char*>(memrchr(d, '\n', le));
    size_t ls = p ? static_cast<size_t>(p - d) + 1 : 0;
    if (ls == 0) break;
    std::string_view line = perf_script::trim_right(std::string_view(d + ls, le - ls));
    perf_script::FrameLine f;
    perf_script::EventLine e;
    if (!line.empty() && line.front() != '#' && !perf_script::parse_frame_line(line, &f) &&
        perf_script::parse_event_line(line, &e))
      return ls;
    le = ls - 1;
  }
  return 0;
}

struct Block {
  std::vector<char> data;
  size_t size = 0;
  uint64_t index = 0;
  bool last = false;
};

class PerfScriptReader {
 public:
  PerfScriptReader(InputSource& in, const ReadOptions& options, const perf_script::ReaderTuning& tuning)
      : in_(in), options_(options), tuning_(tuning) {
    unsigned t = options.threads ? options.threads : std::thread::hardware_concurrency();
    threads_ = std::clamp(t, 1u, 64u);
    config_.addrs = options.addrs;
    config_.aggregate = options.aggregate;
    config_.event_filter = options.event_filter;
    config_.user_filter = !options.event_filter.empty();
    result_.meta.sample_types = {{"samples", "count"}, {"period", "events"}};
  }

  profile::Profile run() {
    parsers_.push_back(std::make_unique<BlockParser>(config_));
    remappers_.emplace_back(parsers_[0]->profile(), result_);
    // Sequential until the event to keep is known (and throughout with one thread).
    Block block;
    bool more = true;
    while (more && !error_) {
      if (!next_block(block)) break;
      if (block.index == 0) read_header(block);
      process(0, block);
      more = !block.last;
      if (threads_ > 1 && !parsers_[0]->event_filter().empty()) break;
    }
    if (more && !error_) run_parallel();
    if (error_) throw *error_;
    return finish();
  }

 private:
  // Fills `b` with the carried-over bytes and new input up to a record boundary; false at the end of input.
  bool next_block(Block& b) {
    if (eof_ && carry_.empty()) return false;
    size_t want = std::max<size_t>(next_index_ == 0 ? tuning_.first_block_bytes : tuning_.block_bytes, 64);
    if (b.data.size() < std::max(want, carry_.size() + want / 2))
      b.data.resize(std::max(want, carry_.size() * 2));
    std::memcpy(b.data.data(), carry_.data(), carry_.size());
    size_t size = carry_.size();
    carry_.clear();
    for (;;) {
      while (size < b.data.size() && !eof_) {
        size_t k = in_.read(b.data.data() + size, b.data.size() - size);
        if (k == 0) eof_ = true;
        size += k;
      }
      if (eof_) {
        b.size = size;
        b.last = true;
        break;
      }
      size_t split = find_record_boundary(b.data.data(), size);
      if (split > 0) {
        carry_.assign(b.data.data() + split, size - split);
        b.size = split;
        b.last = false;
        break;
      }
      if (b.data.size() >= kMaxBlockBytes)
        throw ParseError::at_byte(
            in_.name(), bytes_before_,
            "no record boundary (a blank line or an event line) within 64 MiB: not perf "
            "script text");
      b.data.resize(b.data.size() * 2);
    }
    b.index = next_index_++;
    bytes_before_ += b.size;
    return b.size > 0 || b.index == 0;
  }

  void read_header(const Block& b) {
    std::string_view text(b.data.data(), b.size);
    for (size_t pos = 0; pos < text.size();) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = perf_script::trim_right(text.substr(pos, end - pos));
      pos = end + 1;
      if (line.empty()) continue;
      if (line.front() != '#') break;
      header_.add_line(line);
    }
  }

  // Parses `b` with parser `w` and merges it in its turn. Runs on the thread that owns parser `w`.
  void process(size_t w, Block& b) {
    BlockParser& parser = *parsers_[w];
    BlockResult r = parser.parse(std::string_view(b.data.data(), b.size), b.last);
    merge(w, r);
    parser.clear_samples();
  }

  void merge(size_t w, const BlockResult& r) {
    profile::Profile& local = parsers_[w]->profile();
    profile::ProfileRemapper& remap = remappers_[w];
    if (options_.aggregate) {
      for (size_t i = r.first_sample; i < r.end_sample; ++i) {
        aggregator_.add(remap.row(i, local.values_of(i)));
      }
    } else {
      for (size_t i = r.first_sample; i < r.end_sample; ++i) remap.copy_sample(i, local.values_of(i));
    }
    for (const perf_script::LineIssue& w : r.warnings)
      if (warnings_.size() < kMaxWarnings) warnings_.push_back({lines_before_ + w.line, w.message});
    warning_count_ += r.warning_count;
    if (r.error) error_ = ParseError::at_line(in_.name(), lines_before_ + r.error->line, r.error->message);
    lines_before_ += r.lines;
    records_ += r.records;
    has_period_ = has_period_ || r.has_period;
    if (r.min_time != profile::kNoTime && (min_time_ == profile::kNoTime || r.min_time < min_time_))
      min_time_ = r.min_time;
    if (r.max_time != profile::kNoTime && (max_time_ == profile::kNoTime || r.max_time > max_time_))
      max_time_ = r.max_time;
    for (const auto& [event, count] : r.skipped_events) skipped_events_[event] += count;
  }

  void run_parallel() {
    config_.event_filter = parsers_[0]->event_filter();
    for (unsigned w = 1; w < threads_; ++w) {
      parsers_.push_back(std::make_unique<BlockParser>(config_));
      remappers_.emplace_back(parsers_[w]->profile(), result_);
    }
    // One block being read, one being parsed per worker: blocks are reused, so their pages are touched once.
    for (unsigned i = 0; i < threads_ + 2; ++i) free_.push_back(std::make_unique<Block>());
    const uint64_t max_ahead = 4 * threads_;
    next_merge_ = next_index_;
    std::vector<std::thread> workers;
    std::exception_ptr read_failure;
    try {
      for (unsigned w = 0; w < threads_; ++w) workers.emplace_back([this, w] { work(w); });
      for (;;) {
        std::unique_ptr<Block> b;
        {
          std::unique_lock lock(mu_);
          // Parsed blocks wait for their turn to merge with their samples in memory: keep them few.
          reader_cv_.wait(lock,
                          [&] { return (!free_.empty() && next_index_ < next_merge_ + max_ahead) || stop_; });
          if (stop_) break;
          b = std::move(free_.back());
          free_.pop_back();
        }
        bool got = next_block(*b);
        std::lock_guard lock(mu_);
        if (!got) break;
        bool last = b->last;
        queue_.push_back(std::move(b));
        worker_cv_.notify_one();
        if (last) break;
      }
    } catch (...) {
      read_failure = std::current_exception();  // reported after the blocks before it, which come first
    }
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      worker_cv_.notify_all();
    }
    for (std::thread& t : workers) t.join();
    if (failure_) std::rethrow_exception(failure_);
    if (!error_ && read_failure) std::rethrow_exception(read_failure);
  }

  // A worker parses whatever block is next and merges its parsed blocks when their turn comes, between
  // blocks, so it never waits for a slower worker while there is input to parse.
  void work(size_t w) {
    BlockParser& parser = *parsers_[w];
    struct Parsed {
      uint64_t index;
      BlockResult result;
    };
    std::deque<Parsed> parsed;  // not yet merged, in file order
    try {
      for (;;) {
        std::unique_ptr<Block> b;
        {
          std::unique_lock lock(mu_);
          worker_cv_.wait(lock, [&] {
            return stop_ || (!parsed.empty() && parsed.front().index == next_merge_) || !queue_.empty() ||
                   (closed_ && parsed.empty());
          });
          if (stop_) return;
          if (parsed.empty() || parsed.front().index != next_merge_) {
            if (queue_.empty()) return;  // closed, and all of ours are merged
            b = std::move(queue_.front());
            queue_.pop_front();
          }
        }
        if (!b) {
          // Our turn: no other thread touches the result until next_merge_ moves on.
          merge(w, parsed.front().result);
          parsed.pop_front();
          if (parsed.empty()) parser.clear_samples();
          std::lock_guard lock(mu_);
          ++next_merge_;
          if (error_) stop_ = true;
          worker_cv_.notify_all();  // the next block's owner may be waiting for its turn
          reader_cv_.notify_one();  // and the reader for room to read ahead
          continue;
        }
        BlockResult r = parser.parse(std::string_view(b->data.data(), b->size), b->last);
        parsed.push_back({b->index, std::move(r)});
        std::lock_guard lock(mu_);
        free_.push_back(std::move(b));
        reader_cv_.notify_one();
      }
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!failure_) failure_ = std::current_exception();
      stop_ = true;
      worker_cv_.notify_all();
      reader_cv_.notify_all();
    }
  }

  profile::Profile finish() {
    auto file_line = [&](const Warning& w) { return in_.name() + ":" + std::to_string(w.line) + ": "; };
    if (records_ == 0 && !warnings_.empty())
      throw ParseError::at_line(in_.name(), warnings_.front().line,
                                "no perf script record found: " + warnings_.front().message);
    if (options_.warn) {
      for (const Warning& w : warnings_) options_.warn(file_line(w) + w.message);
      if (warning_count_ > warnings_.size())
        options_.warn(in_.name() + ": " + std::to_string(warning_count_ - warnings_.size()) +
                      " more lines skipped");
    }
    std::string kept = config_.user_filter ? config_.event_filter : parsers_[0]->event_filter();
    if (options_.warn && !skipped_events_.empty()) {
      std::string others;
      uint64_t total = 0;
      for (const auto& [event, count] : skipped_events_) {
        others += (others.empty() ? "" : ", ") + event + " (" + std::to_string(count) + ")";
        total += count;
      }
      if (config_.user_filter && result_.num_samples() == 0)
        options_.warn(in_.name() + ": no records of event " + kept + "; the input has " + others);
      else if (!config_.user_filter)
        options_.warn(in_.name() + ": filtering for events of type " + kept + " (the first in the input); " +
                      std::to_string(total) + " records of other events skipped: " + others);
    }

    profile::Metadata& m = result_.meta;
    std::string_view base = perf_script::event_base_name(kept);
    if (has_period_) {
      m.sample_types[1] = perf_script::is_cpu_time_event(base)
                              ? profile::ValueType{"cpu", "nanoseconds"}
                              : profile::ValueType{base.empty() ? "period" : std::string(base), "events"};
      m.period_type = m.sample_types[1];
    } else {
      // No record printed a period: the count is the only value.
      std::vector<double>& v = result_.samples.values;
      for (size_t i = 0; i < result_.num_samples(); ++i) v[i] = v[2 * i];
      v.resize(result_.num_samples());
      m.sample_types.resize(1);
    }
    m.default_sample_type = 0;
    m.set_attribute(profile::attr::kSourceFormat, "perf-script");
    m.set_attribute(profile::attr::kTimeClock, "perf");
    for (const auto& [k, v] : header_.attributes) m.set_attribute(k, v);
    if (!kept.empty()) m.set_attribute(profile::attr::kEvent, kept);
    const perf_script::HeaderEvent* he = base.empty()
                                             ? (header_.events.empty() ? nullptr : &header_.events.front())
                                             : header_.find_event(base);
    if (he && he->has_value && he->value > 0) {
      if (he->freq) {
        m.set_attribute(profile::attr::kFrequencyHz, std::to_string(he->value));
        if (perf_script::is_cpu_time_event(base))
          m.period = static_cast<int64_t>(std::llround(1e9 / static_cast<double>(he->value)));
      } else {
        m.period = static_cast<int64_t>(he->value);
      }
    }
    m.start_ns = header_.first_sample_ns != profile::kNoTime ? header_.first_sample_ns : min_time_;
    m.end_ns = header_.last_sample_ns != profile::kNoTime ? header_.last_sample_ns : max_time_;
    if (m.start_ns != profile::kNoTime && m.end_ns != profile::kNoTime && m.end_ns >= m.start_ns)
      m.duration_ns = m.end_ns - m.start_ns;
    return std::move(result_);
  }

  struct Warning {
    uint64_t line;
    std::string message;
  };

  InputSource& in_;
  const ReadOptions& options_;
  perf_script::ReaderTuning tuning_;
  unsigned threads_ = 1;
  perf_script::ParserConfig config_;
  perf_script::Header header_;

  profile::Profile result_;
  profile::SampleAggregator aggregator_{result_, profile::AggregateKeys{}};
  std::vector<std::unique_ptr<BlockParser>> parsers_;
  std::deque<profile::ProfileRemapper> remappers_;  // deque: remappers are not movable

  // Input (calling thread only).
  std::string carry_;  // bytes read past the last block's boundary
  bool eof_ = false;
  uint64_t next_index_ = 0;
  uint64_t bytes_before_ = 0;

  // Shared between threads, under mu_.
  std::mutex mu_;
  std::condition_variable reader_cv_;  // the reading thread waits for a free block and room ahead
  std::condition_variable worker_cv_;  // workers wait for a block or their turn to merge
  std::vector<std::unique_ptr<Block>> free_;
  std::deque<std::unique_ptr<Block>> queue_;
  bool closed_ = false;
  bool stop_ = false;
  uint64_t next_merge_ = 0;
  std::exception_ptr failure_;

  // Merged results, written in block order by the thread whose turn it is.
  std::optional<ParseError> error_;
  std::vector<Warning> warnings_;
  uint64_t warning_count_ = 0;
  uint64_t lines_before_ = 0;
  uint64_t records_ = 0;
  bool has_period_ = false;
  int64_t min_time_ = profile::kNoTime;
  int64_t max_time_ = profile::kNoTime;
  std::map<std::string, uint64_t> skipped_events_;
};

}  // namespace

namespace perf_script {

profile::Profile read(InputSource& in, const ReadOptions& options, const ReaderTuning& tuning) {
  PerfScriptReader reader(in, options, tuning);
  return reader.run();
}

}  // namespace perf_script

profile::Profile read_perf_script(InputSource& in, const ReadOptions& options) {
  return perf_script::read(in, options);
}

}  // namespace lambdascope::formats
