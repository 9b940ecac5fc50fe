// pprof in: profile.proto (InputSource has already undone gzip) to the model.
//
// The top level is walked with WireScanner, so every element is known by its byte offset before anything is
// decoded; each element is then parsed with libprotobuf's generated class (one reused message per kind). The
// string table is taken as raw bytes: pprof does not promise UTF-8 (Go writes whatever the binary's symbols
// are), and libprotobuf would refuse the whole profile over one bad byte. Every reference (string index,
// mapping, function and location id) is checked, and an error names the element and its offset.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "formats/parse_error.hpp"
#include "formats/pprof_metadata.hpp"
#include "formats/pprof_module_kind.hpp"
#include "formats/pprof_wire.hpp"
#include "formats/reader.hpp"
#include "profile.pb.h"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

namespace pb = perftools::profiles;
using pprof::WireField;
using pprof::WireScanner;
using profile::FrameId;
using profile::FrameKind;
using profile::Profile;
using profile::StackId;
using profile::StringId;

constexpr uint32_t kUnset = UINT32_MAX;

struct Span {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// pprof ids (any non-zero uint64; 1..N in practice) to element indices.
class IdMap {
 public:
  explicit IdMap(size_t count) : dense_(count + 1, kUnset) {}
  // False when the id is already taken.
  bool add(uint64_t id, uint32_t index) {
    if (id < dense_.size()) {
      if (dense_[id] != kUnset) return false;
      dense_[id] = index;
      return true;
    }
    return sparse_.emplace(id, index).second;
  }
  uint32_t find(uint64_t id) const {
    if (id < dense_.size()) return dense_[id];
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kUnset : it->second;
  }

 private:
  std::vector<uint32_t> dense_;
  std::unordered_map<uint64_t, uint32_t> sparse_;
};

// Label keys with their own sample column.
enum class KeyKind : uint8_t { kUnknown, kOther, kTime, kTid, kThreadName, kPid, kCpu };

KeyKind key_kind(std::string_view key) {
  if (key == "end_timestamp_ns" || key == "timestamp_ns") return KeyKind::kTime;
  if (key == "thread id") return KeyKind::kTid;
  if (key == "thread name") return KeyKind::kThreadName;
  if (key == "pid") return KeyKind::kPid;
  if (key == "cpu") return KeyKind::kCpu;
  return KeyKind::kOther;
}

bool parse_int(std::string_view s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// Names an element for an error message, built only when there is an error: "sample 12 label".
struct Where {
  std::string_view element;
  size_t ordinal = 0;  // 1-based position among its kind; 0 for singular fields
  std::string_view field;

  Where(std::string_view e, size_t n = 0, std::string_view f = {}) : element(e), ordinal(n), field(f) {}
  Where with(std::string_view f) const { return {element, ordinal, f}; }
  std::string text() const {
    std::string s(element);
    if (ordinal) s += " " + std::to_string(ordinal);
    if (!field.empty()) s += std::string(" ") + std::string(field);
    return s;
  }
};

class Decoder {
 public:
  Decoder(const std::string& name, std::string_view data, const ReadOptions& options)
      : name_(name), data_(data), options_(options) {}

  Profile run() {
    if (data_.size() > WireScanner::kMaxSize)
      throw ParseError::whole(name_, "pprof input over 2 GiB (decompressed) is not supported");
    scan();
    check_string_table();
    read_header();
    read_mappings();
    read_functions();
    read_locations();
    read_samples();
    if (size_t n = p_.unsymbolized_frames(); n != 0 && options_.warn)
      options_.warn(
          fmt::format("{}: {} of {} frames are unsymbolized addresses (shown as 0xADDRESS "
                      "(FILE+0xOFFSET); a profile saved before symbols were ready, or one whose "
                      "producer did not symbolize)",
                      name_, n, p_.frames.size()));
    return std::move(p_);
  }

 private:
  [[noreturn]] void fail(uint64_t offset, const std::string& message) const {
    throw ParseError::at_byte(name_, offset, message);
  }

  // Walks the Profile message's fields and remembers where each element is.
  void scan() {
    auto problem = WireScanner::scan(pb::Profile::descriptor(), data_, false, [&](const WireField& f) {
      Span s{f.offset, f.size};
      auto num = static_cast<int64_t>(f.varint);
      switch (f.number) {
        case pb::Profile::kSampleTypeFieldNumber:
          sample_types_.push_back(s);
          break;
        case pb::Profile::kSampleFieldNumber:
          samples_.push_back(s);
          break;
        case pb::Profile::kMappingFieldNumber:
          mappings_.push_back(s);
          break;
        case pb::Profile::kLocationFieldNumber:
          locations_.push_back(s);
          break;
        case pb::Profile::kFunctionFieldNumber:
          functions_.push_back(s);
          break;
        case pb::Profile::kStringTableFieldNumber:
          if (strings_.empty()) first_string_offset_ = f.tag_offset;
          strings_.push_back(data_.substr(f.offset, f.size));
          break;
        case pb::Profile::kDropFramesFieldNumber:
          drop_frames_ = {num, f.tag_offset};
          break;
        case pb::Profile::kKeepFramesFieldNumber:
          keep_frames_ = {num, f.tag_offset};
          break;
        case pb::Profile::kTimeNanosFieldNumber:
          // pprof's rule: a second time_nanos means two profiles were concatenated (cat a.pb b.pb).
          if (p_.meta.time_nanos != 0)
            fail(f.tag_offset,
                 "time_nanos appears a second time: this looks like two profiles concatenated into one "
                 "file; give them as separate inputs to merge them");
          p_.meta.time_nanos = num;
          break;
        case pb::Profile::kDurationNanosFieldNumber:
          p_.meta.duration_ns = num;
          break;
        case pb::Profile::kPeriodTypeFieldNumber:
          period_type_ = s;
          break;
        case pb::Profile::kPeriodFieldNumber:
          p_.meta.period = num;
          break;
        case pb::Profile::kCommentFieldNumber:
          if (f.wire == pprof::WireType::kLen) {
            read_packed_comments(s);
          } else {
            comments_.push_back({num, f.tag_offset});
          }
          break;
        case pb::Profile::kDefaultSampleTypeFieldNumber:
          default_sample_type_ = {num, f.tag_offset};
          break;
        case pb::Profile::kDocUrlFieldNumber:
          doc_url_ = {num, f.tag_offset};
          break;
        default:
          break;  // a field a newer profile.proto may define
      }
    });
    if (problem) fail(problem->offset, problem->message);
  }

  void read_packed_comments(Span s) {
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data_.data() + s.offset),
                                              static_cast<int>(s.size));
    while (static_cast<uint64_t>(in.CurrentPosition()) < s.size) {
      uint64_t at = s.offset + static_cast<uint64_t>(in.CurrentPosition());
      uint64_t v;
      if (!in.ReadVarint64(&v)) fail(at, "in field 13 (comment): a truncated or over-long varint");
      comments_.push_back({static_cast<int64_t>(v), at});
    }
  }

  void check_string_table() {
    if (!strings_.empty() && !strings_[0].empty())
      fail(first_string_offset_, "string_table[0] must be the empty string, but it is " +
                                     quote_excerpt(strings_[0].data(), strings_[0].size()));
    string_ids_.assign(std::max<size_t>(strings_.size(), 1), kUnset);
    string_ids_[0] = 0;
  }

  // The string at a string-table index, checked; `where` names the referring element for the error.
  std::string_view str(int64_t index, uint64_t offset, const Where& where) const {
    if (index == 0) return {};
    if (index < 0 || static_cast<uint64_t>(index) >= strings_.size())
      fail(offset, fmt::format("{} refers to string {}, but the string table has {} entries", where.text(),
                               index, strings_.size()));
    return strings_[static_cast<size_t>(index)];
  }
  StringId sid(int64_t index, uint64_t offset, const Where& where) {
    std::string_view s = str(index, offset, where);
    uint32_t& id = string_ids_[static_cast<size_t>(index)];
    if (id == kUnset) id = p_.strings.intern(s);
    return id;
  }

  // Parses one element, or says exactly where it is broken.
  template <class Message>
  void parse(Message& m, Span s, const Where& where) {
    const char* begin = data_.data() + s.offset;
    bool ok = m.ParseFromArray(begin, static_cast<int>(s.size));
    // Known fields with the wrong wire type end up as unknown fields; Go's pprof refuses them, and so do we.
    if (ok && m.GetReflection()->GetUnknownFields(m).empty()) return;
    if (auto problem = WireScanner::check(Message::descriptor(), std::string_view(begin, s.size)))
      fail(s.offset + problem->offset, fmt::format("{}: {}", where.text(), problem->message));
    if (!ok)
      fail(s.offset,
           fmt::format("{} is not a valid {} message", where.text(), Message::descriptor()->name()));
  }

  profile::ValueType value_type(Span s, const Where& where) {
    pb::ValueType vt;
    parse(vt, s, where);
    return {std::string(str(vt.type(), s.offset, where.with("type"))),
            std::string(str(vt.unit(), s.offset, where.with("unit")))};
  }

  void read_header() {
    profile::Metadata& m = p_.meta;
    for (size_t i = 0; i < sample_types_.size(); ++i)
      m.sample_types.push_back(value_type(sample_types_[i], {"sample_type", i + 1}));
    if (period_type_) m.period_type = value_type(*period_type_, {"period_type"});
    if (default_sample_type_.index != 0) {
      std::string_view name =
          str(default_sample_type_.index, default_sample_type_.offset, {"default_sample_type"});
      auto it = std::find_if(m.sample_types.begin(), m.sample_types.end(),
                             [&](const profile::ValueType& t) { return t.type == name; });
      if (it != m.sample_types.end()) {
        m.default_sample_type = static_cast<int>(it - m.sample_types.begin());
      } else if (options_.warn) {
        options_.warn(fmt::format(
            "{}: default_sample_type \"{}\" is not one of the sample types; using the last", name_, name));
      }
    }
    m.set_attribute(profile::attr::kSourceFormat, "pprof");
    auto string_attribute = [&](const StringRef& r, std::string_view key) {
      if (r.index != 0) m.set_attribute(key, std::string(str(r.index, r.offset, {key})));
    };
    string_attribute(drop_frames_, pprof::kDropFrames);
    string_attribute(keep_frames_, pprof::kKeepFrames);
    string_attribute(doc_url_, pprof::kDocUrl);
    for (const StringRef& c : comments_) {
      std::string_view text = str(c.index, c.offset, {"comment"});
      if (!pprof::read_metadata_comment(text, m)) m.comments.emplace_back(text);
    }
  }

  void read_mappings() {
    IdMap ids(mappings_.size());
    pb::Mapping m;
    for (size_t i = 0; i < mappings_.size(); ++i) {
      Span s = mappings_[i];
      Where where{"mapping", i + 1};
      parse(m, s, where);
      if (m.id() == 0) fail(s.offset, where.text() + " has id 0, which pprof reserves");
      if (!ids.add(m.id(), static_cast<uint32_t>(i)))
        fail(s.offset, fmt::format("{} has id {}, which an earlier mapping has too", where.text(), m.id()));
      StringId build_id = sid(m.build_id(), s.offset, where.with("build_id"));
      StringId module = sid(m.filename(), s.offset, where.with("filename"));
      mapping_info_.push_back({module,
                               pprof::kind_of_module(p_.strings[module]),
                               {module, m.memory_start(), m.memory_limit(), m.file_offset(), build_id}});
    }
    mapping_ids_ = std::move(ids);
  }

  void read_functions() {
    IdMap ids(functions_.size());
    pb::Function f;
    for (size_t i = 0; i < functions_.size(); ++i) {
      Span s = functions_[i];
      Where where{"function", i + 1};
      parse(f, s, where);
      if (f.id() == 0) fail(s.offset, where.text() + " has id 0, which pprof reserves");
      if (!ids.add(f.id(), static_cast<uint32_t>(i)))
        fail(s.offset, fmt::format("{} has id {}, which an earlier function has too", where.text(), f.id()));
      // The readable name, else the linker's (mangled) one.
      StringId name = sid(f.name(), s.offset, where.with("name"));
      StringId system_name = sid(f.system_name(), s.offset, where.with("system_name"));
      StringId file = sid(f.filename(), s.offset, where.with("filename"));
      function_info_.push_back({name != 0 ? name : system_name, file});
    }
    function_ids_ = std::move(ids);
  }

  // A location is one or more frames: its lines, inlined callees first in pprof, caller first here.
  void read_locations() {
    location_ids_.emplace(locations_.size());
    IdMap& ids = *location_ids_;
    pb::Location loc;
    location_frames_begin_.reserve(locations_.size() + 1);
    location_frames_begin_.push_back(0);
    for (size_t i = 0; i < locations_.size(); ++i) {
      Span s = locations_[i];
      parse(loc, s, {"location", i + 1});
      if (loc.id() == 0) fail(s.offset, fmt::format("location {} has id 0, which pprof reserves", i + 1));
      if (!ids.add(loc.id(), static_cast<uint32_t>(i)))
        fail(s.offset,
             fmt::format("location {} has id {}, which an earlier location has too", i + 1, loc.id()));
      StringId module = 0;
      FrameKind kind = FrameKind::kNative;
      const profile::Mapping* mapping = nullptr;
      if (loc.mapping_id() != 0) {
        uint32_t m = mapping_ids_ ? mapping_ids_->find(loc.mapping_id()) : kUnset;
        if (m == kUnset)
          fail(s.offset, fmt::format("location id {} refers to mapping id {}, which is not defined", loc.id(),
                                     loc.mapping_id()));
        module = mapping_info_[m].module;
        kind = mapping_info_[m].kind;
        mapping = &mapping_info_[m].mapping;
      }
      // Not symbolized: the address stands for the function, named by profile::unsymbolized_name ("0x4005d6",
      // or "0x7f12a0001234 (libfoo.so+0x1234)" when the mapping gives the file and its range), and it keeps
      // its address and mapping, so writing pprof again keeps them too.
      if (loc.line_size() == 0)
        location_frames_.push_back(p_.intern_unsymbolized(loc.address(), mapping, kind));
      for (int j = loc.line_size() - 1; j >= 0; --j) {
        const pb::Line& line = loc.line(j);
        uint32_t fn = function_ids_ ? function_ids_->find(line.function_id()) : kUnset;
        if (fn == kUnset)
          fail(s.offset, fmt::format("location id {} line {} refers to function id {}, which is not defined",
                                     loc.id(), j + 1, line.function_id()));
        const FunctionInfo& info = function_info_[fn];
        StringId name = info.name != 0 ? info.name : address_name(loc.address());
        uint32_t line_no =
            line.line() > 0 && line.line() <= INT32_MAX ? static_cast<uint32_t>(line.line()) : 0;
        FrameKind k = j == loc.line_size() - 1 ? kind : FrameKind::kInlined;
        location_frames_.push_back(p_.frames.intern({name, module, info.file, line_no, k}));
      }
      location_frames_begin_.push_back(static_cast<uint32_t>(location_frames_.size()));
    }
  }

  StringId address_name(uint64_t address) { return p_.strings.intern(fmt::format("0x{:x}", address)); }

  // The stack `parent` extended by location `loc`'s frames, memoized per (parent, location) so a deep stack
  // repeated in many samples costs one lookup per location, not one per frame.
  StackId push_location(StackId parent, uint32_t loc, uint64_t offset) {
    uint32_t begin = location_frames_begin_[loc], end = location_frames_begin_[loc + 1];
    if (end - begin == 1) return p_.stacks.push(parent, location_frames_[begin]);  // the trie is the memo
    uint64_t h = profile::mix64((uint64_t{parent} << 32) | loc);
    auto next = static_cast<uint32_t>(steps_.size());
    bool inserted = false;
    uint32_t step = step_index_.find_or_insert(
        h, [&](uint32_t i) { return steps_[i].parent == parent && steps_[i].location == loc; }, next,
        &inserted);
    if (!inserted) return steps_[step].result;
    StackId s = parent;
    for (uint32_t k = begin; k < end; ++k) s = p_.stacks.push(s, location_frames_[k]);
    steps_.push_back({parent, loc, s});
    // Bounded memory on hostile input: a few bytes can name a location with many lines many times over.
    if (p_.stacks.size() > frame_budget())
      fail(offset,
           fmt::format("the samples' stacks expand to over {} distinct frames, far more than a profile "
                       "of {} bytes can plausibly hold",
                       frame_budget(), data_.size()));
    return s;
  }
  // Real profiles stay far below this (large.cpu: 0.17 trie nodes per input byte).
  size_t frame_budget() const { return 32 * data_.size() + (size_t{1} << 18); }

  void read_samples() {
    const size_t n = p_.num_values();
    std::vector<double> values(n);
    std::vector<profile::Label> labels;
    std::optional<profile::SampleAggregator> aggregator;
    if (options_.aggregate) aggregator.emplace(p_, profile::AggregateKeys{});
    if (!aggregator) p_.samples.reserve(samples_.size(), n);
    key_kinds_.assign(string_ids_.size(), KeyKind::kUnknown);
    pb::Sample sample;
    bool any_time = false;
    for (size_t i = 0; i < samples_.size(); ++i) {
      Span s = samples_[i];
      parse(sample, s, {"sample", i + 1});
      if (static_cast<size_t>(sample.value_size()) != n)
        fail(s.offset, fmt::format("sample {} has {} values, but the profile declares {} sample types", i + 1,
                                   sample.value_size(), n));
      for (size_t k = 0; k < n; ++k) values[k] = static_cast<double>(sample.value(static_cast<int>(k)));
      profile::SampleRow row;
      row.values = values;
      // pprof lists the leaf first; the trie wants the root first.
      StackId stack = profile::StackTrie::kRoot;
      for (int j = sample.location_id_size() - 1; j >= 0; --j) {
        uint64_t id = sample.location_id(j);
        uint32_t loc = location_ids_ ? location_ids_->find(id) : kUnset;
        if (loc == kUnset)
          fail(s.offset, fmt::format("sample {} refers to location id {}, which is not defined", i + 1, id));
        stack = push_location(stack, loc, s.offset);
      }
      row.stack = stack;
      labels.clear();
      for (const pb::Label& l : sample.label()) read_label(l, i, s.offset, row, labels);
      row.labels = labels.empty() ? 0 : p_.label_sets.intern(labels);
      any_time = any_time || row.time_ns != profile::kNoTime;
      if (aggregator) {
        aggregator->add(row);
      } else {
        p_.add_sample(row);
      }
    }
    if (any_time && p_.meta.attribute(profile::attr::kTimeClock).empty())
      p_.meta.set_attribute(profile::attr::kTimeClock, "unix");  // the convention of end_timestamp_ns
  }

  void read_label(const pb::Label& l, size_t sample, uint64_t offset, profile::SampleRow& row,
                  std::vector<profile::Label>& out) {
    Where where{"sample", sample + 1, "label"};
    StringId key = sid(l.key(), offset, where);
    KeyKind& kind = key_kinds_[static_cast<size_t>(l.key())];
    if (kind == KeyKind::kUnknown) kind = key_kind(p_.strings[key]);
    if (l.str() != 0) {
      StringId value = sid(l.str(), offset, where);
      int64_t num = 0;
      switch (kind) {
        case KeyKind::kThreadName:
          if (row.thread_name == 0) {
            row.thread_name = value;
            return;
          }
          break;
        case KeyKind::kTid:
        case KeyKind::kPid:
        case KeyKind::kCpu:
          // Some profilers write these as strings.
          if (parse_int(p_.strings[value], num) && take_number(kind, num, row)) return;
          break;
        default:
          break;
      }
      out.push_back({key, value, 0, 0});
      return;
    }
    StringId unit = sid(l.num_unit(), offset, where);
    if (kind == KeyKind::kTime) {
      std::string_view u = p_.strings[unit];
      if (row.time_ns == profile::kNoTime && (u.empty() || u == "nanoseconds") &&
          l.num() != profile::kNoTime) {
        row.time_ns = l.num();
        return;
      }
    } else if ((kind == KeyKind::kTid || kind == KeyKind::kPid || kind == KeyKind::kCpu) && unit == 0 &&
               take_number(kind, l.num(), row)) {
      return;
    }
    out.push_back({key, 0, l.num(), unit});
  }

  // Stores a thread id, pid or cpu in its column when the column is still unset and the value fits.
  static bool take_number(KeyKind kind, int64_t v, profile::SampleRow& row) {
    if (v < 0 || v > INT32_MAX) return false;
    int32_t* column = kind == KeyKind::kTid ? &row.tid : kind == KeyKind::kPid ? &row.pid : &row.cpu;
    if (*column != -1) return false;
    *column = static_cast<int32_t>(v);
    return true;
  }

  struct StringRef {
    int64_t index = 0;
    uint64_t offset = 0;
  };
  struct MappingInfo {
    StringId module;
    FrameKind kind;
    profile::Mapping mapping;  // for unsymbolized locations
  };
  struct FunctionInfo {
    StringId name;
    StringId file;
  };
  struct Step {
    StackId parent;
    uint32_t location;
    StackId result;
  };

  const std::string& name_;
  std::string_view data_;
  const ReadOptions& options_;
  Profile p_;

  std::vector<Span> sample_types_, samples_, mappings_, locations_, functions_;
  std::optional<Span> period_type_;
  std::vector<std::string_view> strings_;
  uint64_t first_string_offset_ = 0;
  std::vector<StringRef> comments_;
  StringRef drop_frames_, keep_frames_, default_sample_type_, doc_url_;

  std::vector<uint32_t> string_ids_;  // string table index -> our id, interned on first use
  std::vector<KeyKind> key_kinds_;    // string table index -> what that label key means
  std::vector<MappingInfo> mapping_info_;
  std::optional<IdMap> mapping_ids_;
  std::vector<FunctionInfo> function_info_;
  std::optional<IdMap> function_ids_;
  std::optional<IdMap> location_ids_;
  std::vector<FrameId> location_frames_;  // per location, root-first
  std::vector<uint32_t> location_frames_begin_;
  std::vector<Step> steps_;
  profile::IdIndex step_index_;
};

}  // namespace

profile::Profile read_pprof(InputSource& in, const ReadOptions& options) {
  std::string data = in.read_all();
  return Decoder(in.name(), data, options).run();
}

}  // namespace lambdascope::formats
