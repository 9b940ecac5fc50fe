#include "agent/code_cache.hpp"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>

#include "agent/mmap_buffer.hpp"

namespace lambdascope::agent {

namespace {

pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
CodeLibList* g_current = nullptr;
int g_in_flight = 0;
unsigned long long g_adds = 0, g_subs = 0;
CodeCacheStats g_stats;

// Memory waiting for the handlers in flight to finish.
struct Retired {
  void* p;
  size_t bytes;
};
constexpr size_t kMaxRetired = 256;
Retired g_retired[kMaxRetired];
size_t g_num_retired = 0;

uint32_t hash_name(const char* s) {
  uint32_t h = 2166136261u;
  for (; s != nullptr && *s; ++s) h = (h ^ static_cast<uint8_t>(*s)) * 16777619u;
  return h;
}

void retire(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (g_num_retired == kMaxRetired) return;  // leak rather than free memory a handler may read
  g_retired[g_num_retired++] = {p, bytes};
}

void read_build_id(const dl_phdr_info* info, CodeLib* lib) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    uintptr_t p = info->dlpi_addr + ph.p_vaddr;
    uintptr_t end = p + ph.p_memsz;
    while (end - p >= sizeof(ElfW(Nhdr))) {
      const auto* n = reinterpret_cast<const ElfW(Nhdr)*>(p);
      uintptr_t name = p + sizeof(ElfW(Nhdr));
      uintptr_t desc = name + ((n->n_namesz + 3) & ~3u);
      uintptr_t next = desc + ((n->n_descsz + 3) & ~3u);
      if (next > end || next <= p) break;
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
          __builtin_memcmp(reinterpret_cast<const void*>(name), "GNU", 4) == 0 && n->n_descsz > 0) {
        size_t size = n->n_descsz > sizeof lib->build_id ? sizeof lib->build_id : n->n_descsz;
        for (size_t k = 0; k < size; ++k) lib->build_id[k] = reinterpret_cast<const uint8_t*>(desc)[k];
        lib->build_id_size = static_cast<uint8_t>(size);
        return;
      }
      p = next;
    }
  }
}

struct BuildContext {
  const CodeLibList* old;
  MmapBuffer<CodeLib>* libs;
  bool dwarf;
  CodeCacheStats stats;
};

int visit_object(dl_phdr_info* info, size_t, void* data) {
  auto* ctx = static_cast<BuildContext*>(data);
  CodeLib lib;
  lib.bias = info->dlpi_addr;
  lib.name_hash = hash_name(info->dlpi_name);
  MemoryRange ranges[16];
  size_t num_ranges = 0;
  uintptr_t eh_frame_hdr = 0;
  uintptr_t lo = UINTPTR_MAX, hi = 0, load_lo = UINTPTR_MAX, load_hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    uintptr_t end = start + ph.p_memsz;
    if (ph.p_type == PT_LOAD) {
      if (start < load_lo) load_lo = start;
      if (end > load_hi) load_hi = end;
      if (ph.p_flags & PF_X) {
        if (start < lo) lo = start;
        if (end > hi) hi = end;
      }
      // Only the file-backed part is guaranteed readable and initialized.
      if ((ph.p_flags & PF_R) && num_ranges < 16) ranges[num_ranges++] = {start, start + ph.p_filesz};
    } else if (ph.p_type == PT_GNU_EH_FRAME) {
      eh_frame_hdr = start;
    }
  }
  if (lo >= hi) return 0;  // no code
  lib.start = lo;
  lib.end = hi;
  lib.load_start = load_lo;
  lib.load_end = load_hi;
  lib.base = lo;
  read_build_id(info, &lib);

  // Reuse the table of an object that is still loaded at the same place.
  if (ctx->old != nullptr) {
    for (size_t i = 0; i < ctx->old->count; ++i) {
      const CodeLib& o = ctx->old->libs[i];
      // (An entry without a table is rebuilt when tables are wanted: it may come from a frame-pointer-only
      // refresh.)
      if (o.start == lib.start && o.end == lib.end && o.bias == lib.bias && o.name_hash == lib.name_hash &&
          (o.rows != nullptr || !ctx->dwarf)) {
        lib.rows = o.rows;
        lib.num_rows = o.num_rows;
        lib.table_bytes = o.table_bytes;
        lib.index = o.index;
        lib.index_bytes = o.index_bytes;
        lib.num_buckets = o.num_buckets;
        ctx->libs->push(lib);
        if (lib.rows != nullptr) {
          ++ctx->stats.tables;
          ctx->stats.rows += lib.num_rows;
          ctx->stats.table_bytes += lib.table_bytes + lib.index_bytes;
        }
        return 0;
      }
    }
  }
  if (ctx->dwarf && eh_frame_hdr != 0) {
    MmapBuffer<FrameRow> rows;
    UnwindSource src;
    src.eh_frame_hdr = eh_frame_hdr;
    src.base = lib.base;
    src.limit = (hi - lo) < 0xffffffffu ? (hi - lo) : 0xffffffffu;
    src.ranges = ranges;
    src.num_ranges = num_ranges;
    if (build_unwind_table(src, rows, nullptr) && rows.size() > 0) {
      lib.index = build_row_index(rows.data(), rows.size(), static_cast<uint32_t>(src.limit),
                                  &lib.index_bytes, &lib.num_buckets);
      if (lib.index != nullptr) {
        lib.num_rows = static_cast<uint32_t>(rows.size());
        lib.rows = rows.take(&lib.table_bytes);
        ++ctx->stats.tables;
        ctx->stats.rows += lib.num_rows;
        ctx->stats.table_bytes += lib.table_bytes + lib.index_bytes;
      }
    }
  }
  if (!ctx->libs->push(lib)) {
    MmapBuffer<FrameRow>::release(const_cast<FrameRow*>(lib.rows), lib.table_bytes);
    MmapBuffer<uint32_t>::release(const_cast<uint32_t*>(lib.index), lib.index_bytes);
  }
  return 0;
}

bool reclaim_locked(int spins) {
  if (g_num_retired == 0) return true;
  for (int i = 0; i <= spins; ++i) {
    if (__atomic_load_n(&g_in_flight, __ATOMIC_SEQ_CST) == 0) {
      for (size_t k = 0; k < g_num_retired; ++k) sys::munmap(g_retired[k].p, g_retired[k].bytes);
      g_num_retired = 0;
      return true;
    }
    sched_yield();
  }
  return false;
}

int count_changes(dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<unsigned long long*>(data);
  out[0] = info->dlpi_adds;
  out[1] = info->dlpi_subs;
  return 1;  // the counters are the same in every entry
}

}  // namespace

void code_cache_refresh(bool dwarf) {
  pthread_mutex_lock(&g_mutex);
  unsigned long long counts[2] = {0, 0};
  dl_iterate_phdr(count_changes, counts);
  CodeLibList* old = __atomic_load_n(&g_current, __ATOMIC_ACQUIRE);
  MmapBuffer<CodeLib> libs;
  BuildContext ctx{old, &libs, dwarf, {}};
  dl_iterate_phdr(visit_object, &ctx);
  // Sort by start (insertion sort: tens of objects).
  for (size_t i = 1; i < libs.size(); ++i) {
    CodeLib v = libs[i];
    size_t j = i;
    while (j > 0 && libs[j - 1].start > v.start) {
      libs[j] = libs[j - 1];
      --j;
    }
    libs[j] = v;
  }
  size_t bytes = page_round(sizeof(CodeLibList) + libs.size() * sizeof(CodeLib));
  auto* list = static_cast<CodeLibList*>(map_anonymous(bytes));
  if (list == nullptr) {
    pthread_mutex_unlock(&g_mutex);
    return;
  }
  list->count = libs.size();
  list->bytes = bytes;
  for (size_t i = 0; i < libs.size(); ++i) list->libs[i] = libs[i];
  ctx.stats.libs = static_cast<uint32_t>(libs.size());
  __atomic_store_n(&g_current, list, __ATOMIC_SEQ_CST);
  g_adds = counts[0];
  g_subs = counts[1];
  g_stats = ctx.stats;
  if (old != nullptr) {
    // Tables of objects that are gone, then the old array.
    for (size_t i = 0; i < old->count; ++i) {
      const CodeLib& o = old->libs[i];
      if (o.rows == nullptr) continue;
      bool kept = false;
      for (size_t k = 0; k < list->count && !kept; ++k) kept = list->libs[k].rows == o.rows;
      if (!kept) {
        retire(const_cast<FrameRow*>(o.rows), o.table_bytes);
        retire(const_cast<uint32_t*>(o.index), o.index_bytes);
      }
    }
    retire(old, old->bytes);
  }
  reclaim_locked(100);
  pthread_mutex_unlock(&g_mutex);
}

bool code_cache_stale() {
  unsigned long long counts[2] = {0, 0};
  dl_iterate_phdr(count_changes, counts);
  return counts[0] != __atomic_load_n(&g_adds, __ATOMIC_RELAXED) ||
         counts[1] != __atomic_load_n(&g_subs, __ATOMIC_RELAXED);
}

void code_cache_reclaim() {
  if (pthread_mutex_trylock(&g_mutex) != 0) return;
  reclaim_locked(0);
  pthread_mutex_unlock(&g_mutex);
}

CodeCacheStats code_cache_stats() {
  pthread_mutex_lock(&g_mutex);
  CodeCacheStats s = g_stats;
  pthread_mutex_unlock(&g_mutex);
  return s;
}

void code_cache_after_fork() {
  __atomic_store_n(&g_in_flight, 0, __ATOMIC_SEQ_CST);
  g_mutex = PTHREAD_MUTEX_INITIALIZER;
}

void code_cache_enter() {
  __atomic_fetch_add(&g_in_flight, 1, __ATOMIC_SEQ_CST);
}
void code_cache_leave() {
  __atomic_fetch_sub(&g_in_flight, 1, __ATOMIC_RELEASE);
}
const CodeLibList* code_cache_current() {
  return __atomic_load_n(&g_current, __ATOMIC_SEQ_CST);
}

}  // namespace lambdascope::agent
