#include "agent/config.hpp"

#include <signal.h>

#include <cstdlib>
#include <cstring>

#include "agent/log.hpp"

namespace lambdascope::agent {

namespace {

bool parse_u64(const char* s, uint64_t* out) {
  if (s == nullptr || *s == '\0') return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  uint64_t mult = 1;
  if (*end == 'k' || *end == 'K')
    mult = 1024, ++end;
  else if (*end == 'm' || *end == 'M')
    mult = 1024 * 1024, ++end;
  if (*end != '\0') return false;
  *out = v * mult;
  return true;
}

void read_u32(const char* name, uint32_t lo, uint32_t hi, uint32_t* out) {
  const char* s = std::getenv(name);
  if (s == nullptr) return;
  uint64_t v;
  if (!parse_u64(s, &v) || v < lo || v > hi) {
    log(LogLevel::kWarn, "%s=%s is not a number in [%u, %u]; using %u", name, s, lo, hi, *out);
    return;
  }
  *out = static_cast<uint32_t>(v);
}

bool read_bool(const char* name, bool dflt) {
  const char* s = std::getenv(name);
  if (s == nullptr || *s == '\0') return dflt;
  return !(std::strcmp(s, "0") == 0 || std::strcmp(s, "false") == 0 || std::strcmp(s, "no") == 0);
}

}  // namespace

int parse_signal_name(const char* s) {
  if (s == nullptr || *s == '\0') return 0;
  if (std::strncmp(s, "SIG", 3) == 0) s += 3;
  char* end = nullptr;
  long n = std::strtol(s, &end, 10);
  if (end != s && *end == '\0') return (n > 0 && n < NSIG) ? static_cast<int>(n) : 0;
  struct Named {
    const char* name;
    int sig;
  };
  static const Named kNames[] = {{"PROF", SIGPROF},     {"VTALRM", SIGVTALRM}, {"ALRM", SIGALRM},
                                 {"USR1", SIGUSR1},     {"USR2", SIGUSR2},     {"PWR", SIGPWR},
                                 {"STKFLT", SIGSTKFLT}, {"URG", SIGURG}};
  for (const Named& k : kNames)
    if (std::strcmp(s, k.name) == 0) return k.sig;
  static const char* const kRt[] = {"RTMIN", "RTMAX"};
  for (const char* base : kRt) {
    size_t len = std::strlen(base);
    if (std::strncmp(s, base, len) != 0) continue;
    int b = base[2] == 'M' && base[3] == 'I' ? SIGRTMIN : SIGRTMAX;
    const char* rest = s + len;
    if (*rest == '\0') return b;
    long d = std::strtol(rest, &end, 10);
    if (*end != '\0') return 0;
    long sig = b + d;
    return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? static_cast<int>(sig) : 0;
  }
  return 0;
}

Config read_config() {
  Config c;
  if (const char* s = std::getenv("LAMBDASCOPE_LOG")) c.log_level = std::atoi(s);
  set_log_level(static_cast<LogLevel>(c.log_level < 0 ? 0 : c.log_level > 3 ? 3 : c.log_level));
  if (const char* m = std::getenv("LAMBDASCOPE_MODE")) {
    if (std::strcmp(m, "cpu") == 0)
      c.mode = ring::Mode::kCpu;
    else if (std::strcmp(m, "wall") == 0)
      c.mode = ring::Mode::kWall;
    else if (std::strcmp(m, "off") == 0)
      c.enabled = false;
    else
      log(LogLevel::kWarn, "LAMBDASCOPE_MODE=%s is not cpu, wall or off; using cpu", m);
  }
  read_u32("LAMBDASCOPE_HZ", 1, 10000, &c.hz);
  read_u32("LAMBDASCOPE_DEPTH", 1, kMaxDepthLimit, &c.max_depth);
  read_u32("LAMBDASCOPE_WALL_THREADS_PER_TICK", 1, 1024, &c.wall_threads_per_tick);
  read_u32("LAMBDASCOPE_WALL_CYCLE_MS", 1, 1000, &c.wall_cycle_ms);
  uint32_t wall_timers = c.wall_timers ? 1 : 0;
  read_u32("LAMBDASCOPE_WALL_TIMERS", 0, 1, &wall_timers);
  c.wall_timers = wall_timers != 0;
  read_u32("LAMBDASCOPE_RESCAN_MS", 10, 60000, &c.rescan_ms);
  read_u32("LAMBDASCOPE_DURATION", 0, 1u << 30, &c.duration_s);
  read_u32("LAMBDASCOPE_TABLE_DELAY_MS", 0, 60000, &c.table_delay_ms);
  if (const char* s = std::getenv("LAMBDASCOPE_RING_SIZE")) {
    uint64_t v;
    if (!parse_u64(s, &v) || v < (64u << 10) || v > (1ull << 32)) {
      log(LogLevel::kWarn, "LAMBDASCOPE_RING_SIZE=%s is not a size in [64K, 4096M]; using 8M", s);
    } else {
      uint64_t p = 1;
      while (p < v) p <<= 1;  // round up to a power of two
      c.ring_size = p;
    }
  }
  if (const char* s = std::getenv("LAMBDASCOPE_RING_DIR"); s != nullptr && *s != '\0') {
    if (std::strlen(s) >= sizeof c.ring_dir - 64) {
      log(LogLevel::kWarn, "LAMBDASCOPE_RING_DIR is too long; using /tmp");
    } else {
      std::strcpy(c.ring_dir, s);
    }
  }
  if (const char* s = std::getenv("LAMBDASCOPE_SIGNAL"); s != nullptr && *s != '\0') {
    c.signal = parse_signal_name(s);
    if (c.signal == 0) log(LogLevel::kWarn, "LAMBDASCOPE_SIGNAL=%s is not a signal; choosing one", s);
  }
  c.start_running = read_bool("LAMBDASCOPE_START", true);
  c.follow_children = read_bool("LAMBDASCOPE_CHILDREN", true);
  c.dwarf = read_bool("LAMBDASCOPE_DWARF", true);
  if (const char* s = std::getenv("LAMBDASCOPE_ROOT_PID")) c.root_pid = std::atoi(s);
  return c;
}

}  // namespace lambdascope::agent
