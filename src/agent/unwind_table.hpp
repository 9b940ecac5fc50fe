// Compact unwind tables built from a loaded object's .eh_frame (found through its .eh_frame_hdr), for code
// compiled without frame pointers (Debian's libc, libstdc++, libm). Built off the hot path (at start and on
// dlopen) by interpreting each FDE's CFA program for the registers a walk needs on x86-64: the CFA rule,
// where the caller's rbp was saved, and whether the return address is undefined (the outermost frame). The
// handler only binary-searches the result.
//
// Every read of the object's memory is bounds-checked against its readable segments: a malformed .eh_frame
// makes the table smaller, never crashes the host.
#pragma once

#include <cstddef>
#include <cstdint>

#include "agent/mmap_buffer.hpp"

namespace lambdascope::agent {

enum CfaRule : uint8_t {
  kRuleNone = 0,     // no FDE covers this address: fall back to frame pointers
  kRuleSp = 1,       // CFA = sp + cfa_off
  kRuleFp = 2,       // CFA = fp + cfa_off
  kRuleDerefFp = 3,  // CFA = *(fp + cfa_off) (stack realignment in prologues)
  kRulePlt = 4,      // CFA = sp + 8 + ((pc & 15) >= cfa_off ? 8 : 0) (lazy-binding PLT stubs)
  kRuleSignal = 5,   // a signal trampoline: the interrupted registers are in the ucontext at sp
  kRuleStop = 6,     // the return address is undefined: the outermost frame (_start, clone)
  kRuleUnknown = 7,  // a CFA expression we do not evaluate: fall back to frame pointers
};

inline constexpr int16_t kFpSame = INT16_MIN;  // rbp keeps its value in the caller

struct FrameRow {
  uint32_t loc;  // pc - base of the object
  int32_t cfa_off;
  int16_t fp_off;  // the caller's rbp is saved at CFA + fp_off, or kFpSame
  uint8_t rule;    // CfaRule
  uint8_t reserved;
};
static_assert(sizeof(FrameRow) == 12);

struct MemoryRange {
  uintptr_t start;
  uintptr_t end;
};

struct UnwindSource {
  uintptr_t eh_frame_hdr = 0;           // runtime address of the PT_GNU_EH_FRAME segment
  uintptr_t base = 0;                   // FrameRow::loc is relative to this
  uintptr_t limit = 0;                  // code addresses at or above base + limit are ignored (loc is 32-bit)
  const MemoryRange* ranges = nullptr;  // the object's readable segments
  size_t num_ranges = 0;
};

struct UnwindTableStats {
  size_t fdes = 0;
  size_t bad_fdes = 0;  // malformed or using features we skip
  size_t rows = 0;
};

// Appends the object's rows sorted by loc. Returns false when the .eh_frame_hdr is unusable.
bool build_unwind_table(const UnwindSource& source, MmapBuffer<FrameRow>& rows, UnwindTableStats* stats);

// Rows are also indexed by 256-byte buckets of code: index[b] is the last row at or before b << kBucketShift,
// so a lookup is one load plus a short forward scan instead of a binary search over thousands of rows (whose
// mispredicted branches dominated the handler's time).
inline constexpr unsigned kBucketShift = 8;

// Builds that index for rows covering [0, limit); returns nullptr when out of memory. Normal context.
uint32_t* build_row_index(const FrameRow* rows, size_t n, uint32_t limit, size_t* bytes, uint32_t* buckets);

// The row in effect at `loc` (the last one whose loc <= `loc`), or nullptr. Signal-safe.
inline const FrameRow* find_row_indexed(const FrameRow* rows, size_t n, const uint32_t* index,
                                        uint32_t buckets, uint32_t loc) {
  uint32_t b = loc >> kBucketShift;
  if (b >= buckets || n == 0) return nullptr;
  uint32_t i = index[b];
  if (i == UINT32_MAX) {
    if (rows[0].loc > loc) return nullptr;
    i = 0;
  }
  while (i + 1 < n && rows[i + 1].loc <= loc) ++i;
  return &rows[i];
}

// The same by binary search (no index). Signal-safe.
inline const FrameRow* find_row(const FrameRow* rows, size_t n, uint32_t loc) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (rows[mid].loc <= loc)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo == 0 ? nullptr : &rows[lo - 1];
}

}  // namespace lambdascope::agent
