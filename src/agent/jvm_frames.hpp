// Java frames for the signal handler, the way async-profiler takes them: HotSpot's AsyncGetCallTrace (AGCT),
// called with the interrupted context, walks the interpreted, compiled and inlined Java frames of the
// interrupted Java thread. The native walk is kept from the leaf up to the first PC outside every known
// object (the JVM's code cache: interpreter, stubs, JIT code); the Java frames follow it. AGCT's failures are
// counted by reason (ring::JavaCounter); the sample then keeps its native walk.
//
// Methods met in samples go into a fixed lock-free set; the JVMTI side (jvmti_agent.hpp) names them outside
// the handler. Async-signal-safe: no allocation, no lock, no libc; AGCT is the JVM's entry for signal
// handlers (the one indirect call the handler makes besides the fault guard's chaining).
#pragma once

#include <cstdint>

#include "agent/code_cache.hpp"
#include "agent/ring_format.hpp"

namespace lambdascope::agent {

// Adds one to a ring::JavaCounter (signal-safe).
void jvm_count(ring::JavaCounter c);

// The calling thread's JNIEnv, set by JVMTI callbacks on that thread (nullptr: not a Java thread to us).
void jvm_set_thread_env(void* jni_env);

// Normal context, once: AGCT's address (nullptr keeps the handler native-only) and the method set.
bool jvm_frames_init(void* async_get_call_trace);

// Handler side. When the interrupted thread is a Java thread, writes up to `max` Java frames to `java`
// (two words each, ring::kSampleJava's layout), cuts `*depth` native PCs where the Java part begins and
// returns the number of Java frames; 0 leaves the native walk alone. `*flags` gets kSampleComplete /
// kSampleTruncated for the joined stack.
uint32_t jvm_walk(const CodeLibList* libs, void* ucontext, uint64_t* pcs, uint32_t* depth, uint64_t* java,
                  uint32_t max, uint16_t* flags);

// Resolver side (normal context): calls `visit` for each method id that samples met and that has not been
// visited with success yet; `visit` returns false to be asked again later (its record did not fit).
// Returns the number of methods visited successfully.
uint32_t jvm_for_new_methods(bool (*visit)(uint64_t method_id, void* ctx), void* ctx);
// Sleeps until a sample met a new method since the last jvm_for_new_methods began, or `timeout_ns` passed.
void jvm_wait_for_new_methods(uint64_t timeout_ns);
void jvm_wake_resolver();

}  // namespace lambdascope::agent
