#include "capture/ring_reader.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace lambdascope::capture {

namespace ring = agent::ring;

namespace {
// A span longer than this many periods is not one the agent writes (it flushes every kMaxDeferNs): corrupt.
constexpr uint32_t kMaxSpanPeriods = 100000;

std::string bounded_string(const char* s, size_t max) {
  return std::string(s, strnlen(s, max));
}
}  // namespace

std::unique_ptr<RingReader> RingReader::open(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < ring::kHeaderSize) {
    ::close(fd);
    *error = path + ": not a lambdascope ring (too small)";
    return nullptr;
  }
  void* mem = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mem == MAP_FAILED) {
    *error = path + ": cannot map: " + std::strerror(errno);
    return nullptr;
  }
  auto* h = static_cast<ring::Header*>(mem);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  const uint64_t data_size = h->data_size;
  if (std::memcmp(h->magic, ring::kMagic, sizeof ring::kMagic) != 0 ||
      h->version < ring::kOldestReadableVersion || h->version > ring::kVersion ||
      h->header_size != ring::kHeaderSize || data_size == 0 || (data_size & (data_size - 1)) != 0 ||
      ring::kHeaderSize + data_size > static_cast<uint64_t>(st.st_size)) {
    munmap(mem, static_cast<size_t>(st.st_size));
    *error = path + ": not a lambdascope ring of version " + std::to_string(ring::kOldestReadableVersion) +
             " to " + std::to_string(ring::kVersion);
    return nullptr;
  }
  std::unique_ptr<RingReader> r(new RingReader());
  r->header_ = h;
  r->data_ = static_cast<uint8_t*>(mem) + ring::kHeaderSize;
  r->map_size_ = static_cast<size_t>(st.st_size);
  // The agent keeps its ring at exit while we live (we consume it and remove it when done).
  __atomic_store_n(&h->reader_pid, static_cast<int32_t>(::getpid()), __ATOMIC_RELEASE);
  RingInfo& i = r->info_;
  i.path = path;
  i.pid = h->pid;
  i.ppid = h->ppid;
  i.mode = static_cast<ring::Mode>(h->mode);
  i.hz = h->hz;
  i.signal = __atomic_load_n(&h->signal, __ATOMIC_ACQUIRE);
  i.max_depth = h->max_depth;
  i.anchor_monotonic_ns = h->anchor_monotonic_ns;
  i.anchor_realtime_ns = h->anchor_realtime_ns;
  i.period_ns = h->period_ns;
  i.sequence = h->sequence;
  i.version = h->version;
  i.exe = bounded_string(h->exe, sizeof h->exe);
  i.cmdline = bounded_string(h->cmdline, sizeof h->cmdline);
  return r;
}

RingReader::~RingReader() {
  if (header_ != nullptr) munmap(header_, map_size_);
}

ring::State RingReader::state() const {
  return static_cast<ring::State>(__atomic_load_n(&header_->state, __ATOMIC_ACQUIRE));
}

uint64_t RingReader::waits_through_ns() const {
  return __atomic_load_n(&header_->waits_through_ns, __ATOMIC_ACQUIRE);
}

uint64_t RingReader::counter(ring::Counter c) const {
  return __atomic_load_n(&header_->counters[c], __ATOMIC_RELAXED);
}

std::string RingReader::message() const {
  return bounded_string(header_->message, sizeof header_->message);
}

uint64_t RingReader::pending_bytes() const {
  return __atomic_load_n(&header_->write_pos, __ATOMIC_ACQUIRE) -
         __atomic_load_n(&header_->read_pos, __ATOMIC_RELAXED);
}

size_t RingReader::poll(RingData& out) {
  out.info = info_;
  out.info.signal = __atomic_load_n(&header_->signal, __ATOMIC_ACQUIRE);
  const uint64_t size = header_->data_size;
  const uint64_t mask = size - 1;
  uint64_t r = __atomic_load_n(&header_->read_pos, __ATOMIC_RELAXED);
  const uint64_t w = __atomic_load_n(&header_->write_pos, __ATOMIC_ACQUIRE);
  size_t consumed = 0;
  while (!corrupt_ && r < w) {
    uint8_t* p = data_ + (r & mask);
    uint64_t word = __atomic_load_n(reinterpret_cast<uint64_t*>(p), __ATOMIC_ACQUIRE);
    ring::RecordHeader h;
    std::memcpy(&h, &word, sizeof h);
    if (h.type == static_cast<uint16_t>(ring::RecordType::kNone)) break;  // not published yet
    const uint64_t room = size - (r & mask);
    if (h.size < sizeof h || (h.size & 7) != 0 || h.size > room || h.size > w - r) {
      corrupt_ = true;
      ++out.corrupt_records;
      break;
    }
    auto type = static_cast<ring::RecordType>(h.type);
    switch (type) {
      case ring::RecordType::kPad:
        break;
      case ring::RecordType::kSample: {
        // Version 1 records end before cpu_ns.
        const uint32_t fixed = info_.version >= 2 ? sizeof(ring::SampleRecord) : ring::kSampleRecordSizeV1;
        if (h.size < fixed) {
          ++out.corrupt_records;
          break;
        }
        ring::SampleRecord rec{};
        std::memcpy(&rec, p, fixed);
        const uint32_t java = (h.flags & ring::kSampleJava) ? rec.reserved : 0;
        if (rec.depth + 2ull * java > (h.size - fixed) / 8) {
          ++out.corrupt_records;
          break;
        }
        RawSample s;
        s.time_ns = rec.time_ns;
        s.tid = rec.tid;
        s.weight = rec.weight;
        s.cpu_ns = rec.cpu_ns;
        s.flags = h.flags;
        // Taken in a wait (the sampler found the thread blocked and asked where): the periods it stands for
        // were spent there, like an idle record's.
        s.waiting = (h.flags & ring::kSampleBlocked) != 0;
        s.first_pc = static_cast<uint32_t>(out.pcs.size());
        const uint8_t* pcs = p + fixed;
        for (uint32_t i = 0; i < rec.depth; ++i) {
          uint64_t pc;
          std::memcpy(&pc, pcs + 8 * i, 8);
          out.pcs.push_back(pc);
        }
        if (java != 0) append_java_frames(pcs + 8 * rec.depth, java, out.pcs);
        s.depth = static_cast<uint32_t>(out.pcs.size()) - s.first_pc;
        out.samples.push_back(s);
        break;
      }
      case ring::RecordType::kIdle: {
        const uint32_t fixed = info_.version >= 2 ? sizeof(ring::IdleRecord) : ring::kIdleRecordSizeV1;
        if (h.size < fixed) {
          ++out.corrupt_records;
          break;
        }
        ring::IdleRecord rec{};
        std::memcpy(&rec, p, fixed);
        RawSample s;
        s.time_ns = rec.time_ns;
        s.tid = rec.tid;
        s.weight = rec.weight;
        s.cpu_ns = rec.cpu_ns;
        s.idle = true;
        s.waiting = rec.weight != 0;  // weight 0: CPU time its previous stack used before it blocked
        s.runnable = s.waiting && (h.flags & ring::kIdleRunnable) != 0;
        out.samples.push_back(s);
        break;
      }
      case ring::RecordType::kIdleSpan: {
        if (h.size < sizeof(ring::IdleSpanRecord)) {
          ++out.corrupt_records;
          break;
        }
        ring::IdleSpanRecord rec;
        std::memcpy(&rec, p, sizeof rec);
        if (rec.weight == 0 || rec.first_ns > rec.time_ns || rec.weight > kMaxSpanPeriods) {
          ++out.corrupt_records;
          break;
        }
        // One waiting sample for the span's periods, at its end, as an idle record of that weight (a reader
        // cutting windows splits it at their edges: the Lambda extension's RingFollower).
        RawSample s;
        s.tid = rec.tid;
        s.weight = rec.weight;
        s.idle = true;
        s.waiting = true;
        s.runnable = (h.flags & ring::kIdleRunnable) != 0;
        s.time_ns = rec.time_ns;
        out.samples.push_back(s);
        break;
      }
      case ring::RecordType::kThreadName: {
        if (h.size < sizeof(ring::ThreadNameRecord)) {
          ++out.corrupt_records;
          break;
        }
        ring::ThreadNameRecord rec;
        std::memcpy(&rec, p, sizeof rec);
        out.thread_names.push_back({rec.time_ns, rec.tid, bounded_string(rec.name, sizeof rec.name)});
        break;
      }
      case ring::RecordType::kMapAdd:
      case ring::RecordType::kMapRemove: {
        ring::MapRecord rec;
        if (h.size < sizeof rec) {
          ++out.corrupt_records;
          break;
        }
        std::memcpy(&rec, p, sizeof rec);
        if (rec.path_size > h.size - sizeof rec || rec.build_id_size > sizeof rec.build_id) {
          ++out.corrupt_records;
          break;
        }
        RawMapping m;
        m.time_ns = rec.time_ns;
        m.add = type == ring::RecordType::kMapAdd;
        m.start = rec.start;
        m.end = rec.end;
        m.offset = rec.offset;
        m.inode = rec.inode;
        m.dev_major = rec.dev_major;
        m.dev_minor = rec.dev_minor;
        m.prot = rec.prot;
        m.build_id.assign(reinterpret_cast<const char*>(rec.build_id), rec.build_id_size);
        m.path.assign(reinterpret_cast<const char*>(p + sizeof rec), rec.path_size);
        out.mappings.push_back(std::move(m));
        break;
      }
      case ring::RecordType::kJavaMethod: {
        RawJavaMethod m;
        if (!parse_java_method(p, h.size, &m)) {
          ++out.corrupt_records;
          break;
        }
        out.java_methods.push_back(std::move(m));
        break;
      }
      case ring::RecordType::kJavaCode: {
        RawJavaCode c;
        if (!parse_java_code(p, h.size, h.flags, &c)) {
          ++out.corrupt_records;
          break;
        }
        out.java_code.push_back(std::move(c));
        break;
      }
      default:
        ++out.corrupt_records;
        break;  // a newer agent's record type: skip it
    }
    std::memset(p, 0, h.size);  // the writer expects zeroed space
    r += h.size;
    ++consumed;
  }
  __atomic_store_n(&header_->read_pos, r, __ATOMIC_RELEASE);
  for (uint32_t c = 0; c < ring::kMaxCounters; ++c) out.counters[c] = counter(static_cast<ring::Counter>(c));
  for (uint32_t c = 0; c < ring::kJavaCounterCount; ++c)
    out.java_counters[c] = __atomic_load_n(&header_->java_counters[c], __ATOMIC_RELAXED);
  out.state = state();
  out.message = message();
  out.unfinished_bytes = w - r;
  return consumed;
}

void RingReader::request(ring::Command command) {
  uint32_t cur = __atomic_load_n(&header_->control, __ATOMIC_ACQUIRE);
  uint32_t next = (((cur >> 8) + 1) << 8) | static_cast<uint32_t>(command);
  __atomic_store_n(&header_->control, next, __ATOMIC_RELEASE);
  syscall(SYS_futex, &header_->control, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

}  // namespace lambdascope::capture
