#include "agent/ring_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "agent/libc_real.hpp"
#include "agent/path_format.hpp"
#include "agent/syscalls.hpp"

namespace lambdascope::agent {

namespace {

using real::clock_ns;

void read_file_into(const char* path, char* out, size_t size, bool nul_to_space) {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  long n = sys::call(SYS_read, fd, reinterpret_cast<long>(out), static_cast<long>(size - 1));
  sys::call(SYS_close, fd);
  if (n <= 0) return;
  while (n > 0 && out[n - 1] == '\0') --n;
  for (long i = 0; i < n; ++i)
    if (out[i] == '\0' && nul_to_space) out[i] = ' ';
  out[n] = '\0';
}

bool process_alive(int pid) {
  if (pid <= 0) return false;
  long r = sys::call(SYS_kill, pid, 0);
  return r == 0 || r == -EPERM;
}

// "123" at s -> 123 and the position after it; 0 when s does not start with a digit.
int parse_pid(const char* s, const char** end) {
  int v = 0;
  const char* p = s;
  while (*p >= '0' && *p <= '9' && v < 100000000) v = v * 10 + (*p++ - '0');
  *end = p;
  return p == s ? 0 : v;
}

bool starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return false;
  return true;
}

bool ends_with_ring(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n > 5 && s[n - 5] == '.' && s[n - 4] == 'r' && s[n - 3] == 'i' && s[n - 2] == 'n' && s[n - 1] == 'g';
}

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Calls visit(name) for every entry of `dir`; stops early when visit returns false.
template <typename Visit>
void for_each_entry(const char* dir, Visit visit) {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[2048];
  for (;;) {
    long n = sys::call(SYS_getdents64, fd, reinterpret_cast<long>(buf), sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      const auto* e = reinterpret_cast<const LinuxDirent64*>(buf + at);
      at += e->d_reclen;
      if (!visit(e->d_name)) {
        sys::call(SYS_close, fd);
        return;
      }
    }
  }
  sys::call(SYS_close, fd);
}

bool live_reader_announced(const char* dir) {
  bool found = false;
  for_each_entry(dir, [&](const char* name) {
    const char* end = nullptr;
    if (starts_with(name, ring::kReaderMarkerPrefix) &&
        process_alive(parse_pid(name + sizeof ring::kReaderMarkerPrefix - 1, &end)) && *end == '\0')
      found = true;
    return !found;
  });
  return found;
}

size_t join_path(char* out, size_t size, const char* dir, const char* name) {
  size_t at = append(out, 0, size, dir);
  at = append(out, at, size, "/");
  return append(out, at, size, name);
}

// Removes the rings lambdascope-<pid>-<n>.ring in `dir` for which which(pid), except those a live reader
// is attached to (Header::reader_pid; a reader that did not announce itself in this folder).
template <typename Which>
void remove_rings(const char* dir, Which which) {
  for_each_entry(dir, [&](const char* name) {
    const char* end = nullptr;
    if (!starts_with(name, "lambdascope-") || !ends_with_ring(name)) return true;
    int pid = parse_pid(name + 12, &end);
    if (pid == 0 || *end != '-' || !which(pid)) return true;
    char path[512];
    join_path(path, sizeof path, dir, name);
    long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    int32_t reader = 0;
    long n = sys::call(SYS_pread64, fd, reinterpret_cast<long>(&reader), sizeof reader,
                       static_cast<long>(offsetof(ring::Header, reader_pid)));
    sys::call(SYS_close, fd);
    if (n == sizeof reader && process_alive(reader)) return true;
    sys::call(SYS_unlinkat, AT_FDCWD, reinterpret_cast<long>(path), 0);
    return true;
  });
}

}  // namespace

void release_ring_at_exit(const ring::Header* h, const char* dir, int self_pid) {
  if (h == nullptr) return;
  if (process_alive(__atomic_load_n(&h->reader_pid, __ATOMIC_ACQUIRE)) || live_reader_announced(dir)) return;
  remove_rings(dir, [&](int pid) { return pid == self_pid; });  // this image's and those it exec'd from
}

void remove_dead_rings(const char* dir, int self_pid) {
  if (live_reader_announced(dir)) return;  // the reader consumes and removes them
  remove_rings(dir, [&](int pid) { return pid != self_pid && !process_alive(pid); });
}

ring::Header* create_ring(const Config& config, int pid, int signal, uint64_t period_ns, char* path,
                          size_t path_size, int* fd_out, const char** error) {
  const size_t total = ring::kHeaderSize + config.ring_size;
  long fd = -1;
  uint32_t seq = 0;
  for (; seq < 1000; ++seq) {
    size_t at = append(path, 0, path_size, config.ring_dir);
    at = append(path, at, path_size, "/lambdascope-");
    at = append_number(path, at, path_size, static_cast<uint64_t>(pid));
    at = append(path, at, path_size, "-");
    at = append_number(path, at, path_size, seq);
    append(path, at, path_size, ".ring");
    fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
                   0600);
    if (fd != -EEXIST) break;
  }
  if (fd < 0) {
    *error = "cannot create the ring file (is LAMBDASCOPE_RING_DIR writable?)";
    return nullptr;
  }
  uint64_t initial = config.ring_size < kInitialAllocation ? config.ring_size : kInitialAllocation;
  if (sys::call(SYS_ftruncate, fd, static_cast<long>(total)) != 0 ||
      sys::call(SYS_fallocate, fd, 0, 0, static_cast<long>(ring::kHeaderSize + initial)) != 0) {
    sys::call(SYS_close, fd);
    sys::call(SYS_unlinkat, AT_FDCWD, reinterpret_cast<long>(path), 0);
    *error = "cannot allocate the ring file (no space left in LAMBDASCOPE_RING_DIR?)";
    return nullptr;
  }
  // The header is written with pwrite, not through the mapping: a first write fault on a file page would
  // make the kernel read ahead (and zero) many pages of a sparse file on some file systems (ext4), at start.
  alignas(64) static char page[ring::kHeaderSize];  // normal context only, serialized by the callers
  for (char& ch : page) ch = 0;
  auto* h = reinterpret_cast<ring::Header*>(page);
  h->version = ring::kVersion;
  h->header_size = ring::kHeaderSize;
  h->data_size = config.ring_size;
  h->pid = pid;
  h->ppid = static_cast<int32_t>(sys::call(SYS_getppid));
  h->mode = static_cast<uint32_t>(config.mode);
  h->hz = config.hz;
  h->signal = signal;
  h->max_depth = config.max_depth;
  // Read together, so the reader can turn monotonic sample times into wall-clock times.
  h->anchor_monotonic_ns = clock_ns(CLOCK_MONOTONIC);
  h->anchor_realtime_ns = clock_ns(CLOCK_REALTIME);
  h->period_ns = period_ns;
  h->state = static_cast<uint32_t>(ring::State::kStarting);
  h->sequence = seq;
  h->allocated = initial;
  long n = sys::call(SYS_readlinkat, AT_FDCWD, reinterpret_cast<long>("/proc/self/exe"),
                     reinterpret_cast<long>(h->exe), sizeof h->exe - 1);
  h->exe[n > 0 ? n : 0] = '\0';
  read_file_into("/proc/self/cmdline", h->cmdline, sizeof h->cmdline, true);
  for (size_t i = 0; i < sizeof ring::kMagic; ++i) h->magic[i] = ring::kMagic[i];
  void* mem = nullptr;
  if (sys::call(SYS_pwrite64, fd, reinterpret_cast<long>(page), sizeof page, 0) == sizeof page)
    mem = sys::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(fd), 0);
  if (mem == nullptr) {
    sys::call(SYS_close, fd);
    sys::call(SYS_unlinkat, AT_FDCWD, reinterpret_cast<long>(path), 0);
    *error = "cannot write or map the ring file";
    return nullptr;
  }
  // Pages are touched one by one as the ring fills: no read-ahead.
  sys::call(SYS_madvise, reinterpret_cast<long>(mem), static_cast<long>(total), MADV_RANDOM);
  *fd_out = static_cast<int>(fd);
  return static_cast<ring::Header*>(mem);
}

bool extend_ring(ring::Header* h, int fd) {
  uint64_t allocated = __atomic_load_n(&h->allocated, __ATOMIC_RELAXED);
  if (allocated >= h->data_size) return true;
  uint64_t used = __atomic_load_n(&h->write_pos, __ATOMIC_RELAXED);
  if (used + allocated / 2 < allocated) return true;  // more than half of the room is left
  uint64_t next = allocated * 2 > h->data_size ? h->data_size : allocated * 2;
  if (sys::call(SYS_fallocate, fd, 0, static_cast<long>(ring::kHeaderSize + allocated),
                static_cast<long>(next - allocated)) != 0)
    return false;
  __atomic_store_n(&h->allocated, next, __ATOMIC_RELEASE);
  return true;
}

}  // namespace lambdascope::agent
