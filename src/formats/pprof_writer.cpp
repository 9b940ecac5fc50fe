// pprof out: the model to profile.proto, gzip'd unless asked not to.
//
// One mapping per module, functions deduplicated by (name, file), locations by (mapping, address, lines).
// An inlined frame joins its caller's location as an extra Line (pprof lists the inlined callee first), so
// `go tool pprof` shows inlining the way it shows it for Go binaries. Frames named by an address ("0x4005d6",
// unsymbolized) keep that address in the Location too. Frames left unsymbolized with their address and
// mapping (profile/frame_address.hpp) become Locations with no Line in a mapping of their own (start, limit,
// file offset, build id, has_functions false). Every other mapping says has_functions, so pprof never tries
// to symbolize what was symbolized (or given up on) before; per-sample time, thread, process and cpu travel
// as labels, and metadata pprof has no field for travels in comments (pprof_metadata.hpp).
//
// Ids are memoized per model id (string, frame, stack node, label set), so the per-sample work is copying
// location ids, values and labels: no hashing per sample.
#include <google/protobuf/arena.h>
#include <libdeflate.h>

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "formats/pprof_metadata.hpp"
#include "formats/pprof_module_kind.hpp"
#include "formats/writers.hpp"
#include "profile.pb.h"
#include "text/utf8.hpp"

namespace lambdascope::formats {

namespace {

namespace pb = perftools::profiles;
using profile::Frame;
using profile::FrameId;
using profile::FrameKind;
using profile::Profile;
using profile::StackId;
using profile::StringId;

constexpr uint32_t kNotMapped = UINT32_MAX;

// pprof values are integers. Fractional weights (folded stacks allow "0.5") are rounded to the nearest
// integer, halves away from zero; values beyond int64 saturate and NaN becomes 0.
int64_t to_int64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547748e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return std::llround(v);
}

// "0x4005d6" -> 0x4005d6: the frame of an unsymbolized address.
bool address_from_name(std::string_view name, uint64_t& out) {
  if (name.size() < 3 || name.size() > 18 || name[0] != '0' || name[1] != 'x') return false;
  auto [end, ec] = std::from_chars(name.data() + 2, name.data() + name.size(), out, 16);
  return ec == std::errc() && end == name.data() + name.size();
}

// libdeflate's level 3: on profiles it compresses 3-5x as fast as zlib's default level (what go tool pprof
// writes) for 1-2% more bytes; this runs for every profile the Lambda extension uploads.
std::string gzip(const std::string& raw) {
  struct Compressor {
    libdeflate_compressor* c = libdeflate_alloc_compressor(3);
    ~Compressor() { libdeflate_free_compressor(c); }
  };
  thread_local Compressor compressor;
  if (!compressor.c) throw std::runtime_error("pprof: cannot allocate a gzip compressor");
  std::string out(libdeflate_gzip_compress_bound(compressor.c, raw.size()), '\0');
  size_t n = libdeflate_gzip_compress(compressor.c, raw.data(), raw.size(), out.data(), out.size());
  if (n == 0) throw std::runtime_error("pprof: gzip compression failed");
  out.resize(n);
  return out;
}

class Encoder {
 public:
  explicit Encoder(const Profile& p) : p_(p) {
    out_ = google::protobuf::Arena::CreateMessage<pb::Profile>(&arena_);
  }

  std::string run(bool compress) {
    if (p_.num_values() == 0 && p_.num_samples() > 0)
      throw std::invalid_argument("pprof: the profile has samples but no sample types");
    write_header();
    main_mapping_first();
    write_samples();
    finish_mappings();
    auto* table = out_->mutable_string_table();
    table->Reserve(static_cast<int>(strings_.size()));
    // proto3 strings must be UTF-8 (strict decoders reject the file, libprotobuf complains on stderr).
    for (size_t i = 0; i < strings_.size(); ++i) {
      std::string_view v = strings_[static_cast<StringId>(i)];
      table->Add(text::is_valid_utf8(v) ? std::string(v) : text::valid_utf8(v));
    }
    if (out_->ByteSizeLong() > 0x7fffffff)
      throw std::runtime_error("pprof: the profile would encode to over 2 GiB, protobuf's limit");
    std::string raw;
    out_->SerializeToString(&raw);
    return compress ? gzip(raw) : raw;
  }

 private:
  int64_t str(std::string_view s) { return strings_.intern(s); }
  int64_t str(StringId id) {
    if (id == 0) return 0;
    if (string_memo_.empty()) string_memo_.assign(p_.strings.size(), kNotMapped);
    uint32_t& m = string_memo_[id];
    if (m == kNotMapped) m = strings_.intern(p_.strings[id]);
    return m;
  }

  void write_header() {
    const profile::Metadata& m = p_.meta;
    for (const profile::ValueType& t : m.sample_types) {
      pb::ValueType* vt = out_->add_sample_type();
      vt->set_type(str(t.type));
      vt->set_unit(str(t.unit));
    }
    if (m.default_sample_type >= 0 && static_cast<size_t>(m.default_sample_type) < m.sample_types.size())
      out_->set_default_sample_type(str(m.sample_types[static_cast<size_t>(m.default_sample_type)].type));
    if (!m.period_type.type.empty() || !m.period_type.unit.empty()) {
      out_->mutable_period_type()->set_type(str(m.period_type.type));
      out_->mutable_period_type()->set_unit(str(m.period_type.unit));
    }
    out_->set_period(m.period);
    out_->set_time_nanos(m.time_nanos);
    out_->set_duration_nanos(m.duration_ns);
    if (std::string_view v = m.attribute(pprof::kDropFrames); !v.empty()) out_->set_drop_frames(str(v));
    if (std::string_view v = m.attribute(pprof::kKeepFrames); !v.empty()) out_->set_keep_frames(str(v));
    if (std::string_view v = m.attribute(pprof::kDocUrl); !v.empty()) out_->set_doc_url(str(v));
    for (const std::string& c : pprof::metadata_comments(m)) out_->add_comment(str(c));
    for (const std::string& c : m.comments) out_->add_comment(str(c));
  }

  // pprof takes the first mapping for the main binary (it names the profile's "File:"): pick the first module
  // that looks like one, as pprof's own heuristic for legacy profiles does.
  void main_mapping_first() {
    for (size_t i = 0; i < p_.frames.size(); ++i) {
      std::string_view m = p_.strings[p_.frames[static_cast<FrameId>(i)].module];
      if (m.empty() || m.ends_with(".so") || m.find(".so.") != std::string_view::npos ||
          pprof::kind_of_module(m) != FrameKind::kNative)
        continue;
      mapping_of(p_.frames[static_cast<FrameId>(i)].module);
      return;
    }
  }

  // Frames without a module get a mapping too (with no file name): a profile without mappings makes pprof
  // invent one and try to symbolize it.
  uint64_t mapping_of(StringId module) {
    auto [it, inserted] = mapping_ids_.try_emplace(module, 0);
    if (inserted) {
      pb::Mapping* m = out_->add_mapping();
      m->set_id(static_cast<uint64_t>(out_->mapping_size()));
      m->set_filename(str(module));
      m->set_has_functions(true);
      it->second = m->id();
    }
    return it->second;
  }

  // The mapping of unsymbolized addresses, as the process had it: has_functions false, so pprof may
  // symbolize them from the file (found by name or build id).
  uint64_t raw_mapping_of(profile::MappingId id) {
    auto [it, inserted] = raw_mapping_ids_.try_emplace(id, 0);
    if (inserted) {
      const profile::Mapping& from = p_.addresses.mapping(id);
      pb::Mapping* m = out_->add_mapping();
      m->set_id(static_cast<uint64_t>(out_->mapping_size()));
      m->set_memory_start(from.start);
      m->set_memory_limit(from.limit);
      m->set_file_offset(from.file_offset);
      m->set_filename(str(from.path));
      m->set_build_id(str(from.build_id));
      m->set_has_functions(false);
      it->second = m->id();
    }
    return it->second;
  }

  uint64_t function_of(FrameId id) {
    if (function_memo_.empty()) function_memo_.assign(p_.frames.size(), kNotMapped);
    uint32_t& memo = function_memo_[id];
    if (memo != kNotMapped) return memo;
    const Frame& f = p_.frames[id];
    int64_t name = str(f.name), file = str(f.file);
    uint64_t key = (static_cast<uint64_t>(name) << 32) | static_cast<uint64_t>(file);
    auto next = static_cast<uint32_t>(function_keys_.size() + 1);
    bool inserted = false;
    memo = function_index_.find_or_insert(
        profile::mix64(key), [&](uint32_t i) { return function_keys_[i - 1] == key; }, next, &inserted);
    if (inserted) {
      function_keys_.push_back(key);
      pb::Function* fn = out_->add_function();
      fn->set_id(next);
      fn->set_name(name);
      fn->set_system_name(name);  // as Go's runtime writes it; we do not keep mangled names apart
      fn->set_filename(file);
    }
    return memo;
  }

  // The location whose innermost frame is stack node `s`: s, and the inlined frames above it up to (and
  // including) the frame they were inlined into, as long as they share a module. Memoized per node.
  void resolve(StackId s) {
    const profile::StackTrie& st = p_.stacks;
    lines_.clear();
    StringId module = p_.frames[st.frame(s)].module;
    StackId n = s;
    bool inlined = false;
    const profile::FrameAddress* unnamed = p_.addresses.find(st.frame(s));
    // An unsymbolized frame is a Location with its address and mapping and no Line, as pprof has it.
    if (unnamed != nullptr) node_next_[s] = st.parent(s);
    for (; unnamed == nullptr;) {
      const Frame& f = p_.frames[st.frame(n)];
      uint64_t fn = function_of(st.frame(n));
      lines_.push_back((fn << 32) | f.line);
      StackId parent = st.parent(n);
      bool joins_caller = f.kind == FrameKind::kInlined && parent != profile::StackTrie::kRoot &&
                          p_.frames[st.frame(parent)].module == module;
      if (!joins_caller) {
        node_next_[s] = parent;
        break;
      }
      inlined = true;
      n = parent;
    }
    uint64_t address = unnamed != nullptr ? unnamed->address : 0;
    if (lines_.size() == 1) {
      const Frame& f = p_.frames[st.frame(s)];
      if (f.file == 0) address_from_name(p_.strings[f.name], address);
    }
    uint64_t mapping =
        unnamed != nullptr && unnamed->mapping != 0 ? raw_mapping_of(unnamed->mapping) : mapping_of(module);
    uint64_t h = profile::hash_bytes(lines_.data(), lines_.size() * sizeof(uint64_t), mapping * 31 + address);
    auto next = static_cast<uint32_t>(location_keys_.size() + 1);
    bool inserted = false;
    uint32_t id = location_index_.find_or_insert(
        h,
        [&](uint32_t i) {
          const LocationKey& k = location_keys_[i - 1];
          return k.mapping == mapping && k.address == address &&
                 k.lines_end - k.lines_begin == lines_.size() &&
                 std::equal(lines_.begin(), lines_.end(), location_lines_.begin() + k.lines_begin);
        },
        next, &inserted);
    if (inserted) {
      location_keys_.push_back(
          {mapping, address, location_lines_.size(), location_lines_.size() + lines_.size()});
      location_lines_.insert(location_lines_.end(), lines_.begin(), lines_.end());
      pb::Location* loc = out_->add_location();
      loc->set_id(next);
      loc->set_mapping_id(mapping);
      loc->set_address(address);
      auto* lines = loc->mutable_line();
      lines->Reserve(static_cast<int>(lines_.size()));
      for (uint64_t l : lines_) {
        pb::Line* line = lines->Add();
        line->set_function_id(l >> 32);
        line->set_line(static_cast<int64_t>(l & 0xffffffffu));
      }
      {
        MappingFlags& flags = mapping_flags_[mapping];
        flags.inline_frames |= inlined;
        for (StackId k = s;; k = st.parent(k)) {
          const Frame& f = p_.frames[st.frame(k)];
          flags.filenames |= f.file != 0;
          flags.line_numbers |= f.line != 0;
          if (st.parent(k) == node_next_[s]) break;
        }
      }
    }
    node_location_[s] = id;
  }

  // One label set as (key, str, num, unit) in output indices, converted on first use.
  const std::vector<std::array<int64_t, 4>>& labels_of(profile::LabelSetId id) {
    auto& out = label_memo_[id];
    if (label_ready_[id]) return out;
    label_ready_[id] = true;
    auto [b, e] = p_.label_sets.range(id);
    for (const profile::Label* l = b; l != e; ++l)
      out.push_back(
          {str(l->key), str(l->str), l->is_numeric() ? l->num : 0, l->is_numeric() ? str(l->unit) : 0});
    return out;
  }

  void add_label(pb::Sample* s, int64_t key, int64_t str_index, int64_t num, int64_t unit) {
    pb::Label* l = s->add_label();
    l->set_key(key);
    l->set_str(str_index);
    l->set_num(num);
    l->set_num_unit(unit);
  }

  void write_samples() {
    const size_t n = p_.num_values();
    node_location_.assign(p_.stacks.size(), kNotMapped);
    node_next_.assign(p_.stacks.size(), 0);
    label_memo_.assign(p_.label_sets.size(), {});
    label_ready_.assign(p_.label_sets.size(), 0);
    const int64_t k_time = str("end_timestamp_ns"), k_ns = str("nanoseconds"), k_tid = str("thread id"),
                  k_name = str("thread name"), k_pid = str("pid"), k_cpu = str("cpu");
    const profile::SampleColumns& c = p_.samples;
    auto* samples = out_->mutable_sample();
    samples->Reserve(static_cast<int>(p_.num_samples()));
    for (size_t i = 0; i < p_.num_samples(); ++i) {
      pb::Sample* s = samples->Add();
      auto* ids = s->mutable_location_id();
      ids->Reserve(static_cast<int>(p_.stacks.depth(c.stack[i])));
      for (StackId k = c.stack[i]; k != profile::StackTrie::kRoot; k = node_next_[k]) {
        if (node_location_[k] == kNotMapped) resolve(k);
        ids->Add(node_location_[k]);
      }
      auto* values = s->mutable_value();
      values->Reserve(static_cast<int>(n));
      for (size_t k = 0; k < n; ++k) values->Add(to_int64(c.values[i * n + k]));
      if (c.time_ns[i] != profile::kNoTime) add_label(s, k_time, 0, c.time_ns[i], k_ns);
      if (c.tid[i] >= 0) add_label(s, k_tid, 0, c.tid[i], 0);
      if (c.thread_name[i] != 0) add_label(s, k_name, str(c.thread_name[i]), 0, 0);
      if (c.pid[i] >= 0) add_label(s, k_pid, 0, c.pid[i], 0);
      if (c.cpu[i] >= 0) add_label(s, k_cpu, 0, c.cpu[i], 0);
      if (c.labels[i] != 0)
        for (const auto& l : labels_of(c.labels[i])) add_label(s, l[0], l[1], l[2], l[3]);
    }
  }

  void finish_mappings() {
    for (pb::Mapping& m : *out_->mutable_mapping()) {
      const MappingFlags& f = mapping_flags_[m.id()];
      m.set_has_filenames(f.filenames);
      m.set_has_line_numbers(f.line_numbers);
      m.set_has_inline_frames(f.inline_frames);
    }
  }

  struct LocationKey {
    uint64_t mapping, address;
    size_t lines_begin, lines_end;
  };
  struct MappingFlags {
    bool filenames = false, line_numbers = false, inline_frames = false;
  };

  const Profile& p_;
  google::protobuf::Arena arena_;
  pb::Profile* out_;
  profile::StringTable strings_;  // the output string table: index 0 is "", as pprof requires
  std::vector<uint32_t> string_memo_;
  std::unordered_map<StringId, uint64_t> mapping_ids_;
  std::unordered_map<profile::MappingId, uint64_t> raw_mapping_ids_;
  std::unordered_map<uint64_t, MappingFlags> mapping_flags_;
  std::vector<uint32_t> function_memo_;
  std::vector<uint64_t> function_keys_;
  profile::IdIndex function_index_;
  std::vector<uint64_t> lines_;  // scratch: (function id << 32 | line) per line, innermost first
  std::vector<LocationKey> location_keys_;
  std::vector<uint64_t> location_lines_;
  profile::IdIndex location_index_;
  std::vector<uint32_t> node_location_;
  std::vector<StackId> node_next_;
  std::vector<std::vector<std::array<int64_t, 4>>> label_memo_;
  std::vector<uint8_t> label_ready_;
};

}  // namespace

std::string write_pprof(const profile::Profile& p, const PprofWriteOptions& options) {
  return Encoder(p).run(options.gzip);
}

}  // namespace lambdascope::formats
