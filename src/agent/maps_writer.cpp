#include "agent/maps_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>

#include "agent/agent_state.hpp"
#include "agent/code_cache.hpp"
#include "agent/libc_real.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/syscalls.hpp"
#include "agent/text_scan.hpp"

namespace lambdascope::agent {

namespace {

struct Mapping {
  uint64_t start, end, offset, inode;
  uint32_t path_hash;
  uint32_t prot;
};

pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
MmapBuffer<Mapping> g_last;  // what the ring has seen
MmapBuffer<char> g_text;     // /proc/self/maps

bool read_maps() {
  g_text.clear();
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/maps"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  for (;;) {
    long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf);
    if (n <= 0) break;
    for (long i = 0; i < n; ++i) g_text.push(buf[i]);
  }
  sys::call(SYS_close, fd);
  return true;
}

void write_add(const Mapping& m, uint32_t dev_major, uint32_t dev_minor, const char* path, uint32_t path_len,
               const CodeLibList* libs, uint64_t now) {
  if (path_len > 2048) path_len = 2048;
  uint32_t size = ring::align8(static_cast<uint32_t>(sizeof(ring::MapRecord)) + path_len);
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(size);
  if (p == nullptr) {
    ring.count(ring::kMapsDropped);
    return;
  }
  auto* rec = reinterpret_cast<ring::MapRecord*>(p);
  for (uint32_t i = sizeof(ring::RecordHeader); i < size; ++i) p[i] = 0;
  rec->time_ns = now;
  rec->start = m.start;
  rec->end = m.end;
  rec->offset = m.offset;
  rec->inode = m.inode;
  rec->dev_major = dev_major;
  rec->dev_minor = dev_minor;
  rec->prot = m.prot;
  rec->path_size = static_cast<uint16_t>(path_len);
  // The build id of the loaded object this mapping belongs to, from its PT_NOTE in memory.
  if (libs != nullptr) {
    for (size_t i = 0; i < libs->count; ++i) {
      const CodeLib& lib = libs->libs[i];
      if (m.start >= lib.load_start && m.start < lib.load_end && lib.build_id_size > 0) {
        rec->build_id_size = lib.build_id_size;
        for (int k = 0; k < lib.build_id_size; ++k) rec->build_id[k] = lib.build_id[k];
        break;
      }
    }
  }
  char* out = reinterpret_cast<char*>(p + sizeof(ring::MapRecord));
  for (uint32_t i = 0; i < path_len; ++i) out[i] = path[i];
  RingWriter::publish(p, ring::RecordType::kMapAdd, size, 0);
  ring.count(ring::kMapRecords);
}

void write_remove(const Mapping& m, uint64_t now) {
  uint32_t size = sizeof(ring::MapRecord);
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(size);
  if (p == nullptr) {
    ring.count(ring::kMapsDropped);
    return;
  }
  for (uint32_t i = sizeof(ring::RecordHeader); i < size; ++i) p[i] = 0;
  auto* rec = reinterpret_cast<ring::MapRecord*>(p);
  rec->time_ns = now;
  rec->start = m.start;
  rec->end = m.end;
  rec->offset = m.offset;
  rec->inode = m.inode;
  RingWriter::publish(p, ring::RecordType::kMapRemove, size, 0);
  ring.count(ring::kMapRecords);
}

using real::monotonic_ns;

}  // namespace

void maps_writer_update() {
  if (!g_agent.ring.attached()) return;
  pthread_mutex_lock(&g_mutex);
  if (!read_maps()) {
    pthread_mutex_unlock(&g_mutex);
    return;
  }
  uint64_t now = monotonic_ns();
  const CodeLibList* libs = code_cache_current();
  MmapBuffer<Mapping> current;
  const char* p = g_text.data();
  const char* end = p + g_text.size();
  while (p < end) {
    const char* eol = p;
    while (eol < end && *eol != '\n') ++eol;
    // start-end perms offset major:minor inode path
    Mapping m{};
    const char* q = p;
    m.start = hex(q, eol);
    if (q < eol && *q == '-') ++q;
    m.end = hex(q, eol);
    skip_spaces(q, eol);
    const char* perms = q;
    q += 4;
    skip_spaces(q, eol);
    m.offset = hex(q, eol);
    skip_spaces(q, eol);
    uint32_t major = static_cast<uint32_t>(hex(q, eol));
    if (q < eol && *q == ':') ++q;
    uint32_t minor = static_cast<uint32_t>(hex(q, eol));
    skip_spaces(q, eol);
    m.inode = dec(q, eol);
    skip_spaces(q, eol);
    const char* path = q;
    uint32_t path_len = static_cast<uint32_t>(eol - q);
    if (perms + 4 <= eol && perms[2] == 'x') {
      m.prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | PROT_EXEC;
      uint32_t h = 2166136261u;
      for (uint32_t i = 0; i < path_len; ++i) h = (h ^ static_cast<uint8_t>(path[i])) * 16777619u;
      m.path_hash = h;
      current.push(m);
      bool known = false;
      for (size_t i = 0; i < g_last.size() && !known; ++i) {
        const Mapping& o = g_last[i];
        known = o.start == m.start && o.end == m.end && o.offset == m.offset && o.inode == m.inode &&
                o.path_hash == m.path_hash;
      }
      if (!known) write_add(m, major, minor, path, path_len, libs, now);
    }
    p = eol + 1;
  }
  for (size_t i = 0; i < g_last.size(); ++i) {
    const Mapping& o = g_last[i];
    bool still = false;
    for (size_t k = 0; k < current.size() && !still; ++k) {
      const Mapping& m = current[k];
      still = o.start == m.start && o.end == m.end && o.offset == m.offset && o.inode == m.inode &&
              o.path_hash == m.path_hash;
    }
    if (!still) write_remove(o, now);
  }
  g_last.clear();
  for (size_t i = 0; i < current.size(); ++i) g_last.push(current[i]);
  pthread_mutex_unlock(&g_mutex);
}

void maps_writer_reset() {
  g_mutex = PTHREAD_MUTEX_INITIALIZER;
  g_last.clear();
}

}  // namespace lambdascope::agent
