// One worker's parser of `perf script` text: it takes blocks that start at a record boundary and adds their
// samples to the worker's own Profile, caching the tidied frames of each distinct "symbol (dso)" text and
// the stack id of each distinct callchain, so tidying and trie walks run once per distinct value, not once
// per line. It never throws for bad input: problems come back in the BlockResult with the line inside the
// block, and the reader turns them into file line numbers once earlier blocks are counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/perf_script_lines.hpp"
#include "formats/perf_script_symbols.hpp"
#include "profile/profile.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats::perf_script {

struct ParserConfig {
  bool addrs = false;      // "[dso <address>]" for unknown symbols
  bool aggregate = false;  // sum identical samples per block; drop per-sample time and cpu
  // The event to keep: the user's --event-filter (matched against the full event or its base name), or
  // empty until the first event is seen (then that event, matched exactly, as stackcollapse-perf.pl does).
  std::string event_filter;
  bool user_filter = false;
};

struct LineIssue {
  uint64_t line = 0;  // 1-based, inside the block
  std::string message;
};

struct BlockResult {
  uint64_t lines = 0;
  size_t first_sample = 0;  // this block's samples are [first_sample, end_sample) of profile()
  size_t end_sample = 0;
  uint64_t records = 0;     // event lines seen (kept or filtered)
  bool has_period = false;  // some record printed a period
  int64_t min_time = profile::kNoTime;
  int64_t max_time = profile::kNoTime;
  std::vector<LineIssue> warnings;  // the first few skipped lines
  uint64_t warning_count = 0;
  std::optional<LineIssue> error;                                // stops the parse
  std::vector<std::pair<std::string, uint64_t>> skipped_events;  // other events' names and record counts
};

class BlockParser {
 public:
  static constexpr size_t kWarningsPerBlock = 5;

  explicit BlockParser(ParserConfig config);
  BlockParser(const BlockParser&) = delete;
  BlockParser& operator=(const BlockParser&) = delete;

  // `block` holds whole lines; `at_end` when it is the last of the input (its last line may lack "\n", and a
  // line cut there is an error rather than a weird line).
  BlockResult parse(std::string_view block, bool at_end);

  profile::Profile& profile() { return profile_; }
  // Drops all samples, once every block parsed so far was handed on (tables and caches stay, so ids remain
  // valid). Blocks parsed after it start a new range.
  void clear_samples();

  // The event kept; empty while no event has been seen and none was given.
  const std::string& event_filter() const { return config_.event_filter; }
  void set_event_filter(const std::string& event) { config_.event_filter = event; }

 private:
  enum class State { kOutside, kInRecord, kSkipRecord };

  void handle_line(std::string_view line, bool unterminated, BlockResult& r);
  void start_record(const EventLine& e, BlockResult& r);
  void end_record();
  void emit(profile::StackId stack);
  // After an event line whose callchain follows at `pos`: when that callchain is a known one, emits the
  // sample and returns the position of the empty line after it; else returns `pos`.
  size_t known_record(std::string_view text, size_t pos, BlockResult& r);
  void remember_record(std::string_view body, uint32_t lines);
  bool keep_event(std::string_view event, BlockResult& r);
  // `raw_key`: the line after its address, for the raw-text cache; empty for frames not on a line of their
  // own.
  void add_frame(const FrameLine& f, std::string_view raw_key);
  bool add_known_frame(std::string_view line);
  void add_srcline(std::string_view file, uint32_t line);
  void warn(BlockResult& r, std::string message);
  profile::StackId intern_stack();

  ParserConfig config_;
  profile::Profile profile_;
  profile::SampleAggregator aggregator_;

  // Frame cache: (symbol without offset, dso, java, address when it shows) -> tidied frame ids.
  struct CachedFrames {
    uint32_t symbol_offset, symbol_size, module_offset, module_size, address_offset, address_size;
    uint32_t frames_offset, frames_count;
    bool java;
  };
  std::string key_chars_;
  std::vector<CachedFrames> cached_;
  std::vector<profile::FrameId> cached_frame_ids_;
  profile::IdIndex frame_index_;
  std::vector<TidiedFrame> tidy_scratch_;

  // Raw-text cache in front of it: the line after the address (offset included) -> the same frame ids.
  struct RawFrame {
    uint32_t key_offset, key_size, frames_offset, frames_count;
    bool java;
    bool needs_address;  // --addrs and an unknown symbol: the address is part of the name
  };
  std::string raw_chars_;
  std::vector<RawFrame> raw_;
  profile::IdIndex raw_index_;

  // Record cache: a whole callchain's text (the lines between the event line and the empty line) -> its
  // stack, for callchains seen at least twice, up to kKnownRecordBytes of text per parser.
  static constexpr size_t kKnownRecordBytes = size_t{4} << 20;
  static constexpr size_t kMaxKnownRecord = size_t{64} << 10;  // longer callchains are parsed line by line
  static constexpr size_t kSeenOnceSlots = size_t{1} << 16;    // at most; it starts small and grows
  struct KnownRecord {
    uint32_t offset, size, lines;
    profile::StackId stack;
    bool java;
  };
  std::string record_chars_;
  std::vector<KnownRecord> records_;
  profile::IdIndex record_index_;
  std::vector<uint64_t> seen_once_;  // hashes of callchains seen once, direct-mapped
  size_t seen_once_count_ = 0;
  struct Pending {
    bool active = false;
    size_t body = 0, blank_line = 0;  // in the block
    uint64_t record = 0;              // BlockResult::records when it started
    uint64_t lines_before = 0;        // BlockResult::lines up to its event line
    uint64_t hash = 0;
  } pending_;
  bool callchain_follows_ = false;
  bool record_clean_ = false;  // the record in progress has had frame lines only
  profile::StackId last_stack_ = 0;

  // Stack cache: leaf-first frame ids -> stack id (checked against the trie).
  std::vector<profile::StackId> stack_ids_;
  profile::IdIndex stack_index_;

  BlockResult* result_ = nullptr;  // the block being parsed

  // The record being read.
  State state_ = State::kOutside;
  std::vector<profile::FrameId> leaf_first_;
  size_t last_frame_begin_ = 0;  // where the last frame line's frames start in leaf_first_
  bool last_was_frame_ = false;
  profile::SampleRow row_;
  double values_[2] = {1, 1};
  bool java_ = false;
  std::string last_comm_;
  profile::StringId last_comm_id_ = 0;
  std::string last_event_;
  bool last_event_kept_ = true;
  std::unordered_map<std::string, uint64_t> skipped_;
};

}  // namespace lambdascope::formats::perf_script
