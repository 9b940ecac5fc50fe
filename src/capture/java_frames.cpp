#include "capture/java_frames.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "agent/ring_format.hpp"

namespace lambdascope::capture {

namespace ring = agent::ring;

bool parse_java_method(const uint8_t* p, uint32_t size, RawJavaMethod* out) {
  ring::JavaMethodRecord rec;
  if (size < sizeof rec) return false;
  std::memcpy(&rec, p, sizeof rec);
  uint64_t need = sizeof rec + uint64_t{8} * rec.line_count + rec.class_size + rec.name_size + rec.file_size;
  if (need > size || rec.class_size == 0 || rec.name_size == 0) return false;
  out->id = rec.method_id;
  const uint8_t* q = p + sizeof rec;
  out->lines.resize(rec.line_count);
  for (auto& [bci, line] : out->lines) {
    std::memcpy(&bci, q, 4);
    std::memcpy(&line, q + 4, 4);
    q += 8;
  }
  const char* s = reinterpret_cast<const char*>(q);
  out->class_name.assign(s, rec.class_size);
  out->name.assign(s + rec.class_size, rec.name_size);
  out->file.assign(s + rec.class_size + rec.name_size, rec.file_size);
  return true;
}

bool parse_java_code(const uint8_t* p, uint32_t size, uint16_t flags, RawJavaCode* out) {
  ring::JavaCodeRecord rec;
  if (size < sizeof rec) return false;
  std::memcpy(&rec, p, sizeof rec);
  if (rec.inlined_count > ring::kMaxInlined || sizeof rec + uint64_t{8} * rec.inlined_count > size)
    return false;
  out->time_ns = rec.time_ns;
  out->method_id = rec.method_id;
  out->code_addr = rec.code_addr;
  out->unloaded = (flags & ring::kJavaCodeUnloaded) != 0;
  out->inlined.resize(rec.inlined_count);
  if (rec.inlined_count != 0) std::memcpy(out->inlined.data(), p + sizeof rec, 8 * rec.inlined_count);
  return true;
}

JavaCodeIndex::JavaCodeIndex(const std::vector<RawJavaCode>& code) {
  for (const RawJavaCode& c : code) {
    std::vector<Code>& list = by_method_[c.method_id];
    if (c.unloaded) {
      for (Code& k : list)
        if (k.addr == c.code_addr && k.unloaded == UINT64_MAX) k.unloaded = c.time_ns;
      continue;
    }
    Code k{c.code_addr, c.time_ns, UINT64_MAX, c.inlined};
    std::sort(k.inlined.begin(), k.inlined.end());
    list.push_back(std::move(k));
  }
}

void JavaCodeIndex::kinds(uint64_t time, const uint64_t* words, uint32_t frames,
                          std::vector<profile::FrameKind>& out) const {
  out.assign(frames, profile::FrameKind::kInterpreted);
  std::vector<const Code*> roots;  // the compiled code the frame above runs in
  for (uint32_t i = frames; i-- > 0;) {
    uint64_t id = words[2 * i + 1];
    bool inlined = false;
    for (const Code* r : roots) inlined |= std::binary_search(r->inlined.begin(), r->inlined.end(), id);
    if (inlined) {
      out[i] = profile::FrameKind::kInlined;
      continue;
    }
    roots.clear();
    if (auto it = by_method_.find(id); it != by_method_.end())
      for (const Code& k : it->second)
        if (k.loaded <= time && time < k.unloaded) roots.push_back(&k);
    if (!roots.empty()) out[i] = profile::FrameKind::kJit;
  }
}

void append_java_frames(const uint8_t* words, uint32_t count, std::vector<uint64_t>& pcs) {
  pcs.push_back(kJavaMarker);
  for (uint32_t i = 0; i < 2 * count; ++i) {
    uint64_t w;
    std::memcpy(&w, words + 8 * i, 8);
    pcs.push_back(w);
  }
}

std::vector<std::string> java_counter_lines(const std::array<uint64_t, ring::kJavaCounterCount>& c) {
  static constexpr const char* kReasons[] = {"ticks_no_Java_frame",
                                             "ticks_no_class_load",
                                             "ticks_GC_active",
                                             "ticks_unknown_not_Java",
                                             "ticks_not_walkable_not_Java",
                                             "ticks_unknown_Java",
                                             "ticks_not_walkable_Java",
                                             "ticks_unknown_state",
                                             "ticks_thread_exit",
                                             "ticks_deopt",
                                             "ticks_safepoint"};
  static_assert(std::size(kReasons) == ring::kAgctSafepoint + 1);
  uint64_t failed = 0;
  std::string reasons;
  for (uint32_t r = 0; r <= ring::kAgctSafepoint; ++r) {
    if (c[r] == 0) continue;
    failed += c[r];
    reasons += (reasons.empty() ? "" : ", ") + std::string(kReasons[r]) + " " + std::to_string(c[r]);
  }
  std::vector<std::string> out;
  if (c[ring::kJavaSamples] == 0 && failed == 0) return out;
  out.push_back("java: " + std::to_string(c[ring::kJavaSamples]) + " samples with Java frames, " +
                std::to_string(c[ring::kJavaMethods]) + " methods named, " +
                std::to_string(c[ring::kJavaMethodsUnnamed]) + " left unnamed");
  if (failed != 0)
    out.push_back("java: AsyncGetCallTrace failed in " + std::to_string(failed) + " samples: " + reasons);
  return out;
}

uint32_t java_line_of(const RawJavaMethod& m, int32_t bci) {
  if (bci < 0) return 0;
  // The entry with the largest start not after bci (tables are usually, not always, sorted).
  uint32_t best_start = 0, line = 0;
  bool found = false;
  for (const auto& [start, l] : m.lines) {
    if (start <= static_cast<uint32_t>(bci) && (!found || start >= best_start)) {
      best_start = start;
      line = l;
      found = true;
    }
  }
  return line;
}

JavaFrameNamer::JavaFrameNamer(const std::vector<RawJavaMethod>& methods) {
  for (const RawJavaMethod& m : methods) methods_[m.id] = &m;
}

profile::FrameId JavaFrameNamer::frame(profile::Profile& p, uint64_t method_id, int32_t lineno,
                                       profile::FrameKind kind) {
  int64_t key = static_cast<int64_t>(lineno) * 256 + static_cast<int64_t>(kind);
  auto [it, inserted] = memo_[method_id].try_emplace(key, 0);
  if (!inserted) return it->second;
  auto m = methods_.find(method_id);
  if (m == methods_.end()) {
    char name[48];
    std::snprintf(name, sizeof name, "[java method 0x%llx]", static_cast<unsigned long long>(method_id));
    it->second = p.intern_frame(name, kJavaModule, kind);
  } else {
    const RawJavaMethod& j = *m->second;
    it->second =
        p.intern_frame(j.class_name + "." + j.name, kJavaModule, kind, j.file, java_line_of(j, lineno));
  }
  return it->second;
}

}  // namespace lambdascope::capture
