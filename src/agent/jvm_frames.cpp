#include "agent/jvm_frames.hpp"

#include <linux/futex.h>
#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/ring_format.hpp"
#include "agent/syscalls.hpp"

namespace lambdascope::agent {

namespace {

// HotSpot's declarations (forte.cpp); no JDK header has them.
struct AgctFrame {
  int32_t lineno;  // bci, or -3 for a native method
  void* method_id;
};
struct AgctTrace {
  void* env_id;  // JNIEnv*
  int32_t num_frames;
  AgctFrame* frames;
};
using AgctFunction = void (*)(AgctTrace*, int32_t, void*);
static_assert(sizeof(AgctFrame) == 16);

AgctFunction g_agct = nullptr;
__thread void* t_env __attribute__((tls_model("initial-exec"))) = nullptr;

// The set of methods met in samples: open addressing over method ids, inserted by CAS in the handler, and a
// state byte per slot owned by the resolver (1: named).
constexpr uint32_t kMethodSlots = 1u << 16;
constexpr uint32_t kMethodProbes = 32;
uint64_t* g_methods = nullptr;
uint8_t* g_named = nullptr;
uint32_t g_new_methods = 0;  // a futex word: bumped when a sample inserts a method
uint32_t g_scanned = 0;      // its value when the resolver last began a scan

void note_method(uint64_t id) {
  uint32_t slot = static_cast<uint32_t>((id >> 3) * 0x9E3779B97F4A7C15ull >> 40) % kMethodSlots;
  for (uint32_t i = 0; i < kMethodProbes; ++i) {
    uint64_t* p = &g_methods[(slot + i) % kMethodSlots];
    uint64_t cur = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    if (cur == id) return;
    if (cur == 0) {
      uint64_t expected = 0;
      if (__atomic_compare_exchange_n(p, &expected, id, false, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE)) {
        __atomic_fetch_add(&g_new_methods, 1, __ATOMIC_RELEASE);
        sys::futex(&g_new_methods, FUTEX_WAKE_PRIVATE, 1, nullptr);
        return;
      }
      if (expected == id) return;
    }
  }
  jvm_count(ring::kJavaMethodsUnnamed);
}

}  // namespace

void jvm_count(ring::JavaCounter c) {
  if (ring::Header* h = g_agent.ring.header()) __atomic_fetch_add(&h->java_counters[c], 1, __ATOMIC_RELAXED);
}

void jvm_set_thread_env(void* jni_env) {
  t_env = jni_env;
}

bool jvm_frames_init(void* async_get_call_trace) {
  if (g_methods == nullptr) {
    g_methods = static_cast<uint64_t*>(map_anonymous(page_round(kMethodSlots * sizeof(uint64_t))));
    g_named = static_cast<uint8_t*>(map_anonymous(page_round(kMethodSlots)));
    if (g_methods == nullptr || g_named == nullptr) return false;
  }
  __atomic_store_n(&g_agct, reinterpret_cast<AgctFunction>(async_get_call_trace), __ATOMIC_RELEASE);
  return true;
}

uint32_t jvm_walk(const CodeLibList* libs, void* ucontext, uint64_t* pcs, uint32_t* depth, uint64_t* java,
                  uint32_t max, uint16_t* flags) {
  AgctFunction agct = __atomic_load_n(&g_agct, __ATOMIC_ACQUIRE);
  void* env = t_env;
  if (agct == nullptr || env == nullptr) return 0;
  AgctTrace trace{env, 0, reinterpret_cast<AgctFrame*>(java)};
  agct(&trace, static_cast<int32_t>(max), ucontext);
  if (trace.num_frames <= 0) {
    uint32_t reason = static_cast<uint32_t>(-trace.num_frames);
    if (reason <= ring::kAgctSafepoint) jvm_count(static_cast<ring::JavaCounter>(reason));
    return 0;
  }
  uint32_t n = static_cast<uint32_t>(trace.num_frames);
  // In place: keep lineno in the low half with a zero high half (the ring's layout), note each method.
  for (uint32_t i = 0; i < n; ++i) {
    java[2 * i] = static_cast<uint32_t>(trace.frames[i].lineno);
    uint64_t id = java[2 * i + 1];
    if (id != 0) note_method(id);
  }
  uint32_t native = 0;
  while (native < *depth && code_cache_find(libs, static_cast<uintptr_t>(pcs[native])) != nullptr) ++native;
  *depth = native;
  *flags = n >= max ? ring::kSampleTruncated : ring::kSampleComplete;
  jvm_count(ring::kJavaSamples);
  return n;
}

uint32_t jvm_for_new_methods(bool (*visit)(uint64_t method_id, void* ctx), void* ctx) {
  if (g_methods == nullptr) return 0;
  g_scanned = __atomic_load_n(&g_new_methods, __ATOMIC_ACQUIRE);
  uint32_t named = 0;
  for (uint32_t i = 0; i < kMethodSlots; ++i) {
    if (g_named[i]) continue;
    uint64_t id = __atomic_load_n(&g_methods[i], __ATOMIC_ACQUIRE);
    if (id == 0 || !visit(id, ctx)) continue;
    g_named[i] = 1;
    ++named;
  }
  return named;
}

void jvm_wait_for_new_methods(uint64_t timeout_ns) {
  uint32_t seen = g_scanned;
  struct timespec ts {
    static_cast<time_t>(timeout_ns / 1000000000u), static_cast<long>(timeout_ns % 1000000000u)
  };
  sys::futex(&g_new_methods, FUTEX_WAIT_PRIVATE, seen, &ts);
}

void jvm_wake_resolver() {
  __atomic_fetch_add(&g_new_methods, 1, __ATOMIC_RELEASE);
  sys::futex(&g_new_methods, FUTEX_WAKE_PRIVATE, 1, nullptr);
}

}  // namespace lambdascope::agent
