// The loaded objects of the process with their unwind tables, as the signal handler sees them: an immutable,
// sorted array published through one atomic pointer. refresh() (normal context: start, dlopen, dlclose, the
// control thread) builds a new array with dl_iterate_phdr, reusing the tables of objects that did not change,
// and publishes it; replaced arrays and the tables of unloaded objects are freed only once no handler is
// running (enter/leave count the handlers in flight), so a handler never reads freed memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "agent/unwind_table.hpp"

namespace lambdascope::agent {

struct CodeLib {
  uintptr_t start = 0;  // executable address range [start, end)
  uintptr_t end = 0;
  uintptr_t load_start = 0;  // all PT_LOAD segments [load_start, load_end)
  uintptr_t load_end = 0;
  uintptr_t base = 0;  // FrameRow::loc = pc - base
  uintptr_t bias = 0;  // dlpi_addr
  const FrameRow* rows = nullptr;
  uint32_t num_rows = 0;
  uint32_t num_buckets = 0;
  const uint32_t* index = nullptr;  // see build_row_index
  size_t index_bytes = 0;
  uint32_t name_hash = 0;
  size_t table_bytes = 0;
  uint8_t build_id_size = 0;
  uint8_t build_id[20] = {};
};

struct CodeLibList {
  size_t count;
  size_t bytes;  // of this allocation
  CodeLib libs[1];
};

struct CodeCacheStats {
  uint32_t libs = 0;
  uint32_t tables = 0;
  uint64_t rows = 0;
  uint64_t table_bytes = 0;
};

// Builds and publishes a new list. `dwarf` false skips .eh_frame (frame pointers only). Serialized inside.
void code_cache_refresh(bool dwarf);
// True when libraries were loaded or unloaded since the last refresh (cheap: dlpi_adds/dlpi_subs).
bool code_cache_stale();
// Frees retired lists and tables if no handler is in flight. Normal context.
void code_cache_reclaim();
CodeCacheStats code_cache_stats();
// After fork, in the child: no handler of another thread can be in flight any more.
void code_cache_after_fork();

// Signal handler side.
void code_cache_enter();
void code_cache_leave();
const CodeLibList* code_cache_current();
inline const CodeLib* code_cache_find(const CodeLibList* list, uintptr_t pc) {
  if (list == nullptr) return nullptr;
  size_t lo = 0, hi = list->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (list->libs[mid].start <= pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return nullptr;
  const CodeLib* lib = &list->libs[lo - 1];
  return pc < lib->end ? lib : nullptr;
}

}  // namespace lambdascope::agent
