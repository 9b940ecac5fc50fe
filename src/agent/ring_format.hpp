// The sample ring: a file under /tmp that the agent maps into the profiled process and a reader (record, the
// Lambda extension) maps at the same time. This header is the whole contract between them; it has no
// dependency beyond the C library so both sides include it.
//
// Layout: a 4 KiB header page, then `data_size` bytes (a power of two) used as a byte ring of records.
// Writers (signal handlers on any thread, agent threads) reserve space with a CAS on write_pos, fill the
// record, then publish it by storing its 8-byte RecordHeader with release order. The single reader consumes
// records in order while their header is non-zero, zeroes what it consumed and then advances read_pos with
// release order. A writer never overwrites unread data: when the ring is full the record is dropped and
// counted (kDroppedFull). A record never wraps: a Pad record fills the tail of the ring first.
//
// The file is sparse at first: `allocated` bytes of the data are backed by fallocate'd space, and the agent
// extends that ahead of write_pos, so a short-lived process does not pay for zeroing megabytes it never
// uses, and a full file system is found by fallocate instead of as SIGBUS in a handler. Writers never go past
// `allocated` (they drop and count instead).
//
// All multi-byte fields are little-endian host order; offsets below are fixed by static_asserts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lambdascope::agent::ring {

inline constexpr char kMagic[8] = {'L', 'S', 'R', 'I', 'N', 'G', '0', '1'};
// Version 2 added SampleRecord::cpu_ns and IdleRecord::cpu_ns (wall samples carry their thread's CPU time).
// Readers accept 1 and 2.
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kOldestReadableVersion = 1;
inline constexpr uint32_t kHeaderSize = 4096;

// A reader that follows a ring folder (record, the Lambda extension) announces itself with an empty file
// `<dir>/.reader-<pid>` while it runs. An agent exiting with no reader attached to its ring and none
// announced removes its ring (nobody would ever consume it); an agent starting removes the rings of
// processes that are gone on the same terms.
inline constexpr char kReaderMarkerPrefix[] = ".reader-";

enum class Mode : uint32_t { kCpu = 1, kWall = 2 };

// The agent's state, written by the agent only.
enum class State : uint32_t {
  kStarting = 0,
  kRunning = 1,
  kPaused = 2,
  kStopped = 3,  // stopped for good (by a control request or because the signal was lost)
  kExited = 4,   // the process ran its exit handlers
  kFailed = 5,   // could not start; `message` says why
};

// Requests from other processes: `control` = (sequence << 8) | Command, then FUTEX_WAKE on `control`.
enum class Command : uint32_t { kNone = 0, kStart = 1, kPause = 2, kStop = 3 };

enum Counter : uint32_t {
  kSamples = 0,       // sample records written
  kWeight,            // sum of sample weights (timer expirations, including overruns)
  kIdleSamples,       // wall mode: idle records (threads that did not run since their last sample)
  kDroppedFull,       // records dropped because the ring was full (no reader keeping up)
  kDroppedBusy,       // samples dropped because the thread was already inside the handler
  kDroppedPaused,     // signals that arrived while paused or stopping
  kForeignSignals,    // our signal, but not sent by our timers or sampler
  kTruncated,         // stacks cut at the depth limit
  kUnwindStopped,     // stacks that ended before a known outermost frame (JIT, bad frame pointer)
  kFaultedReads,      // guarded reads that faulted (and were skipped)
  kHandlerNs,         // time spent inside the handler, for the cost per sample
  kThreadsSeen,       // threads that got a timer or were signalled
  kTimersActive,      // CPU mode: timers alive now (the leak check)
  kTimerFailures,     // timer_create failures (EAGAIN on RLIMIT_SIGPENDING, ...)
  kSignalsSent,       // wall mode: tgkill calls
  kMapRecords,        // mapping records written
  kMapsDropped,       // mapping records lost (ring full): PCs of those libraries may stay unsymbolized
  kUnwindTables,      // libraries with .eh_frame unwind tables
  kUnwindRows,        // rows in those tables
  kUnwindTableBytes,  // memory used by the tables
  kStateReads,        // wall mode: reads of a thread's /proc state (where it waits, whether it is runnable)
  kCounterCount,
};
inline constexpr uint32_t kMaxCounters = 32;
static_assert(kCounterCount <= kMaxCounters);

struct alignas(64) Header {
  char magic[8];                 // 0
  uint32_t version;              // 8
  uint32_t header_size;          // 12: offset of the data ring
  uint64_t data_size;            // 16: a power of two
  int32_t pid;                   // 24
  int32_t ppid;                  // 28
  uint32_t mode;                 // 32: Mode
  uint32_t hz;                   // 36
  int32_t signal;                // 40
  uint32_t max_depth;            // 44
  uint64_t anchor_monotonic_ns;  // 48: CLOCK_MONOTONIC and CLOCK_REALTIME read together at start
  uint64_t anchor_realtime_ns;   // 56
  uint64_t period_ns;            // 64: nanoseconds of CPU or wall time one unit of weight stands for
  uint32_t state;                // 72: State, written by the agent
  uint32_t control;              // 76: (sequence << 8) | Command, written by controllers; a futex word
  uint32_t sequence;             // 80: this image's number among the rings of one pid (exec makes new ones)
  uint32_t flags;                // 84
  uint64_t allocated;            // 88: data bytes backed by allocated file space; writers stay below it
  int32_t reader_pid;            // 96: the process consuming the ring (0: none yet); the agent keeps the
                                 //     file at exit while it lives
  uint32_t reserved0;            // 100
  uint64_t waits_through_ns;     // 104: wall mode: every wait up to this CLOCK_MONOTONIC time has its records
                                 //      in the ring (the wall sampler's last finished look); 0: unknown
  uint64_t reserved[2];          // 112
  char exe[512];                 // 128: /proc/self/exe at start
  char cmdline[1024];            // 640: argv joined with spaces, truncated
  char message[256];             // 1664: the last warning (signal lost, timer failures), NUL-terminated
  uint64_t counters[kMaxCounters];  // 1920
  alignas(64) uint64_t write_pos;   // 2176: bytes reserved since start (monotonic, not masked)
  alignas(64) uint64_t read_pos;    // 2240: bytes consumed by the reader
  // 2304: counters of the JVM sampling path (JavaCounter), kept apart so `counters` keeps its room.
  alignas(64) uint64_t java_counters[16];
};
static_assert(offsetof(Header, anchor_monotonic_ns) == 48);
static_assert(offsetof(Header, state) == 72);
static_assert(offsetof(Header, allocated) == 88);
static_assert(offsetof(Header, exe) == 128);
static_assert(offsetof(Header, counters) == 1920);
static_assert(offsetof(Header, write_pos) == 2176);
static_assert(offsetof(Header, read_pos) == 2240);
static_assert(offsetof(Header, java_counters) == 2304);
static_assert(sizeof(Header) <= kHeaderSize);

enum class RecordType : uint16_t {
  kNone = 0,  // not yet published
  kPad = 1,   // filler up to the end of the ring
  kSample = 2,
  kIdle =
      3,  // wall mode: the thread did not run since its last sample, or is asleep again; repeat that stack
  kThreadName = 4,   // the thread's name (comm) as seen at `time_ns`
  kMapAdd = 5,       // an executable mapping appeared
  kMapRemove = 6,    // an executable mapping went away
  kIdleSpan = 7,     // wall mode: idle records of a dormant thread, one per period from first_ns to time_ns
  kJavaMethod = 16,  // a Java method's names and line table (JavaMethodRecord); numbered apart on purpose
  kJavaCode = 17,    // a Java method's compiled code appeared or went away (JavaCodeRecord)
};

// The first 8 bytes of every record; stored last, with release order, to publish the record.
struct RecordHeader {
  uint32_t size;  // whole record in bytes, a multiple of 8
  uint16_t type;  // RecordType
  uint16_t flags;
};
static_assert(sizeof(RecordHeader) == 8);

// Sample flags.
inline constexpr uint16_t kSampleTruncated = 1;  // the depth limit cut the stack
// Idle record flags.
inline constexpr uint16_t kIdleRunnable = 1;    // the thread was woken and waits for a CPU, not in its wait
inline constexpr uint16_t kSampleComplete = 2;  // the unwinder reached a frame marked outermost
inline constexpr uint16_t kSampleWall = 4;      // wall mode: its weight is wall periods (else CPU periods)
inline constexpr uint16_t kSampleBlocked = 8;   // wall mode: taken in a wait the thread was found blocked in

struct SampleRecord {
  RecordHeader h;
  uint64_t time_ns;  // CLOCK_MONOTONIC
  int32_t tid;
  uint32_t weight;  // 1 + timer overruns
  uint32_t depth;   // number of pcs
  uint32_t reserved;
  uint64_t cpu_ns;  // wall samples: CPU time the thread used since its previous sample (0 for CPU samples)
  // uint64_t pcs[depth]: pcs[0] is the interrupted instruction, the others are return addresses.
};
static_assert(sizeof(SampleRecord) == 40);
// Version 1's sample record ends before cpu_ns; its pcs follow at this offset.
inline constexpr uint32_t kSampleRecordSizeV1 = 32;
static_assert(offsetof(SampleRecord, cpu_ns) == kSampleRecordSizeV1);

struct IdleRecord {
  RecordHeader h;
  uint64_t time_ns;
  int32_t tid;
  uint32_t weight;  // 0 (version 2): no wall time, only CPU time the previous stack used before the thread
                    // blocked where its next sample will find it
  uint64_t cpu_ns;  // version 2: CPU time used since the previous sample by a thread that woke briefly and is
                    // asleep again (not signalled, so as not to interrupt its sleep); 0 when it did not run
};
static_assert(sizeof(IdleRecord) == 32);
inline constexpr uint32_t kIdleRecordSizeV1 = 24;
static_assert(offsetof(IdleRecord, cpu_ns) == kIdleRecordSizeV1);

// A thread that has not run for a while is not looked at every cycle (see wall_sampler.cpp): the periods it
// spent in its wait are written together, and the reader spreads them evenly over [first_ns, time_ns].
struct IdleSpanRecord {
  RecordHeader h;    // flags: the idle record flags
  uint64_t time_ns;  // the last period's cycle
  int32_t tid;
  uint32_t weight;    // periods, at least 1
  uint64_t first_ns;  // the first period's cycle
};
static_assert(sizeof(IdleSpanRecord) == 32);

struct ThreadNameRecord {
  RecordHeader h;
  uint64_t time_ns;
  int32_t tid;
  char name[20];  // NUL-terminated (comm is at most 15 characters)
};
static_assert(sizeof(ThreadNameRecord) == 40);

struct MapRecord {
  RecordHeader h;
  uint64_t time_ns;
  uint64_t start;
  uint64_t end;
  uint64_t offset;  // file offset of `start`
  uint64_t inode;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint32_t prot;           // PROT_* of the mapping
  uint16_t build_id_size;  // 0 when unknown
  uint16_t path_size;      // bytes of path that follow the build id (not NUL-terminated)
  uint8_t build_id[20];
  uint32_t reserved;
  // char path[path_size], then padding to a multiple of 8
};
static_assert(sizeof(MapRecord) == 88);

// Java (the agent loaded as a JVMTI agent too). A sample with kSampleJava holds, after its `depth` native
// PCs (innermost first, cut where the Java part begins), `reserved` Java frames of two words each, innermost
// first: the jmethodID, then AsyncGetCallTrace's lineno (a bci; -3 for a native method) as int32 in the low
// half. Their names arrive as JavaMethodRecords, written outside the handler the first time a method is seen.
inline constexpr uint16_t kSampleJava = 0x100;

struct JavaMethodRecord {
  RecordHeader h;
  uint64_t method_id;   // the jmethodID the samples carry
  uint16_t class_size;  // bytes of the class name (Java form: com.example.Handler)
  uint16_t name_size;   // bytes of the method name
  uint16_t file_size;   // bytes of the source file name (0 when unknown)
  uint16_t line_count;  // entries of the line table
  // uint32_t lines[2 * line_count]: (start bci, line) pairs in the JVM's order; then the class name, the
  // method name and the file name, not NUL-terminated; then padding to a multiple of 8.
};
static_assert(sizeof(JavaMethodRecord) == 24);

// JVMTI's CompiledMethodLoad / CompiledMethodUnload, so the reader can tell jit, inlined and interpreted
// frames apart (AsyncGetCallTrace does not say): a method with live compiled code at a sample's time runs
// compiled, and the methods inlined into that code are its inlined frames.
inline constexpr uint16_t kJavaCodeUnloaded = 1;  // JavaCodeRecord flag: the code went away
struct JavaCodeRecord {
  RecordHeader h;
  uint64_t time_ns;    // CLOCK_MONOTONIC
  uint64_t method_id;  // the compiled method
  uint64_t code_addr;  // identifies the code (an unload names the same address)
  uint32_t code_size;
  uint32_t inlined_count;
  // uint64_t inlined[inlined_count]: the distinct methods inlined into this code (at most kMaxInlined)
};
static_assert(sizeof(JavaCodeRecord) == 40);
inline constexpr uint32_t kMaxInlined = 256;

// Header::java_counters: AsyncGetCallTrace's failures by reason (its negative num_frames, as async-profiler
// names them), then the Java path's own counts.
enum JavaCounter : uint32_t {
  kAgctNoJavaFrame = 0,     // ticks_no_Java_frame (0)
  kAgctNoClassLoad,         // ticks_no_class_load (-1)
  kAgctGcActive,            // ticks_GC_active (-2)
  kAgctUnknownNotJava,      // ticks_unknown_not_Java (-3)
  kAgctNotWalkableNotJava,  // ticks_not_walkable_not_Java (-4)
  kAgctUnknownJava,         // ticks_unknown_Java (-5)
  kAgctNotWalkableJava,     // ticks_not_walkable_Java (-6)
  kAgctUnknownState,        // ticks_unknown_state (-7)
  kAgctThreadExit,          // ticks_thread_exit (-8)
  kAgctDeopt,               // ticks_deopt (-9)
  kAgctSafepoint,           // ticks_safepoint (-10)
  kJavaSamples,             // samples with Java frames
  kJavaMethods,             // method records written
  kJavaMethodsUnnamed,      // methods seen in samples that could not be named (table full, record dropped)
  kJavaCounterCount,
};
static_assert(kJavaCounterCount <= 16);

inline constexpr uint32_t align8(uint32_t n) {
  return (n + 7u) & ~7u;
}

}  // namespace lambdascope::agent::ring
