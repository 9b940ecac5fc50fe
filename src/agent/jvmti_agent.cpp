// The agent as a JVMTI agent (`-agentpath:liblambdascope-agent.so`, Agent_OnLoad / Agent_OnAttach): the same
// single instance as the preloaded library (the dynamic linker maps one file once), adding Java frames to its
// samples. It makes jmethodIDs ahead of time (GetClassMethods on every prepared class, as AsyncGetCallTrace
// needs), gives each Java thread's JNIEnv to the handler (jvm_frames.hpp), and names the methods samples met
// from a JVM agent thread: class, method, source file and line table, as ring::JavaMethodRecords.
// Never fails the JVM's start: every problem is logged and the agent stays native-only.
#include <dlfcn.h>
#include <jvmti.h>
#include <jvmticmlr.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/jvm_frames.hpp"
#include "agent/libc_real.hpp"
#include "agent/log.hpp"

namespace lambdascope::agent {

namespace {

jvmtiEnv* g_jvmti = nullptr;
pthread_mutex_t g_resolve_mutex = PTHREAD_MUTEX_INITIALIZER;
bool g_dying = false;

constexpr uint32_t kMaxLines = 2048;
constexpr uint32_t kMaxName = 1024;

void deallocate(void* p) {
  if (p != nullptr) g_jvmti->Deallocate(static_cast<unsigned char*>(p));
}

uint32_t bounded_length(const char* s) {
  uint32_t n = 0;
  while (s != nullptr && s[n] != '\0' && n < kMaxName) ++n;
  return n;
}

// "Lcom/example/Handler;" -> "com.example.Handler" into `out` (kMaxName bytes); returns the length.
uint32_t java_class_name(const char* signature, char* out) {
  uint32_t n = bounded_length(signature);
  const char* s = signature;
  if (n >= 2 && s[0] == 'L' && s[n - 1] == ';') {
    ++s;
    n -= 2;
  }
  for (uint32_t i = 0; i < n; ++i) out[i] = s[i] == '/' ? '.' : s[i];
  return n;
}

void put_bytes(uint8_t*& p, const char* s, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) *p++ = static_cast<uint8_t>(s[i]);
}

// Writes one method's record; false when the ring had no room (asked again later).
bool put_method_record(uint64_t id, const char* cls, uint32_t cls_size, const char* name, const char* file,
                       const jvmtiLineNumberEntry* lines, jint line_count) {
  uint32_t name_size = bounded_length(name), file_size = bounded_length(file);
  uint32_t count_lines = line_count < 0 ? 0 : static_cast<uint32_t>(line_count);
  if (count_lines > kMaxLines) count_lines = kMaxLines;
  uint32_t size = ring::align8(static_cast<uint32_t>(sizeof(ring::JavaMethodRecord)) + 8 * count_lines +
                               cls_size + name_size + file_size);
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(size);
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    return false;
  }
  auto* rec = reinterpret_cast<ring::JavaMethodRecord*>(p);
  rec->method_id = id;
  rec->class_size = static_cast<uint16_t>(cls_size);
  rec->name_size = static_cast<uint16_t>(name_size);
  rec->file_size = static_cast<uint16_t>(file_size);
  rec->line_count = static_cast<uint16_t>(count_lines);
  auto* table = reinterpret_cast<uint32_t*>(p + sizeof(ring::JavaMethodRecord));
  for (uint32_t i = 0; i < count_lines; ++i) {
    table[2 * i] = static_cast<uint32_t>(lines[i].start_location);
    table[2 * i + 1] = static_cast<uint32_t>(lines[i].line_number);
  }
  uint8_t* out = reinterpret_cast<uint8_t*>(table + 2 * count_lines);
  put_bytes(out, cls, cls_size);
  put_bytes(out, name, name_size);
  put_bytes(out, file, file_size);
  while (out < p + size) *out++ = 0;
  RingWriter::publish(p, ring::RecordType::kJavaMethod, size, 0);
  jvm_count(ring::kJavaMethods);
  return true;
}

bool name_method(uint64_t id, void* ctx) {
  auto* jni = static_cast<JNIEnv*>(ctx);
  auto method = reinterpret_cast<jmethodID>(id);
  jclass cls = nullptr;
  char *signature = nullptr, *name = nullptr, *file = nullptr;
  jvmtiLineNumberEntry* lines = nullptr;
  jint line_count = 0;
  bool written = true;  // a method the JVM no longer knows is not asked about again
  if (g_jvmti->GetMethodDeclaringClass(method, &cls) == JVMTI_ERROR_NONE &&
      g_jvmti->GetClassSignature(cls, &signature, nullptr) == JVMTI_ERROR_NONE &&
      g_jvmti->GetMethodName(method, &name, nullptr, nullptr) == JVMTI_ERROR_NONE) {
    if (g_jvmti->GetSourceFileName(cls, &file) != JVMTI_ERROR_NONE) file = nullptr;
    if (g_jvmti->GetLineNumberTable(method, &line_count, &lines) != JVMTI_ERROR_NONE) line_count = 0;
    char class_name[kMaxName];
    uint32_t class_size = java_class_name(signature, class_name);
    written = put_method_record(id, class_name, class_size, name, file, lines, line_count);
  } else {
    jvm_count(ring::kJavaMethodsUnnamed);
  }
  deallocate(lines);
  deallocate(file);
  deallocate(name);
  deallocate(signature);
  if (cls != nullptr) jni->DeleteLocalRef(cls);
  return written;
}

void name_new_methods(JNIEnv* jni) {
  pthread_mutex_lock(&g_resolve_mutex);
  jvm_for_new_methods(name_method, jni);
  pthread_mutex_unlock(&g_resolve_mutex);
}

// The resolver: a JVM agent thread (JVMTI calls need an attached thread), woken by samples that met new
// methods. It never takes our signal (its own CPU is not the program's).
void JNICALL resolver_main(jvmtiEnv*, JNIEnv* jni, void*) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, g_agent.signal);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  jvm_set_thread_env(nullptr);
  while (!__atomic_load_n(&g_dying, __ATOMIC_ACQUIRE)) {
    name_new_methods(jni);
    jvm_wait_for_new_methods(200000000u);
  }
}

void start_resolver(JNIEnv* jni) {
  jclass thread_class = jni->FindClass("java/lang/Thread");
  jmethodID init = thread_class ? jni->GetMethodID(thread_class, "<init>", "(Ljava/lang/String;)V") : nullptr;
  jstring name = init ? jni->NewStringUTF("lambdascope-java") : nullptr;
  jobject thread = name ? jni->NewObject(thread_class, init, name) : nullptr;
  if (thread == nullptr || g_jvmti->RunAgentThread(thread, resolver_main, nullptr,
                                                   JVMTI_THREAD_MIN_PRIORITY) != JVMTI_ERROR_NONE) {
    if (jni->ExceptionCheck()) jni->ExceptionClear();
    log(LogLevel::kWarn, "java: cannot start the method resolver thread; Java frames stay unnamed");
  }
}

void make_method_ids(jvmtiEnv* jvmti, jclass cls) {
  jint count = 0;
  jmethodID* methods = nullptr;
  if (jvmti->GetClassMethods(cls, &count, &methods) == JVMTI_ERROR_NONE) deallocate(methods);
}

// Classes loaded before ClassPrepare events began (the primordial phase).
void make_all_method_ids(jvmtiEnv* jvmti, JNIEnv* jni) {
  jint count = 0;
  jclass* classes = nullptr;
  if (jvmti->GetLoadedClasses(&count, &classes) != JVMTI_ERROR_NONE) return;
  for (jint i = 0; i < count; ++i) {
    make_method_ids(jvmti, classes[i]);
    jni->DeleteLocalRef(classes[i]);
  }
  deallocate(classes);
}

// Compiled code and what it inlined, for the reader's frame kinds. Normal context (the JVM's service thread).
void put_code_record(jmethodID method, const void* code_addr, uint32_t code_size, const uint64_t* inlined,
                     uint32_t inlined_count, uint16_t flags) {
  uint32_t size = static_cast<uint32_t>(sizeof(ring::JavaCodeRecord)) + 8 * inlined_count;
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(size);
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    return;
  }
  auto* rec = reinterpret_cast<ring::JavaCodeRecord*>(p);
  rec->time_ns = real::clock_ns(CLOCK_MONOTONIC);
  rec->method_id = reinterpret_cast<uint64_t>(method);
  rec->code_addr = reinterpret_cast<uint64_t>(code_addr);
  rec->code_size = code_size;
  rec->inlined_count = inlined_count;
  auto* out = reinterpret_cast<uint64_t*>(p + sizeof(ring::JavaCodeRecord));
  for (uint32_t i = 0; i < inlined_count; ++i) out[i] = inlined[i];
  RingWriter::publish(p, ring::RecordType::kJavaCode, size, flags);
}

void JNICALL on_compiled_method_load(jvmtiEnv*, jmethodID method, jint code_size, const void* code_addr, jint,
                                     const jvmtiAddrLocationMap*, const void* compile_info) {
  uint64_t inlined[ring::kMaxInlined];
  uint32_t n = 0;
  for (auto* r = static_cast<const jvmtiCompiledMethodLoadRecordHeader*>(compile_info); r != nullptr;
       r = r->next) {
    if (r->kind != JVMTI_CMLR_INLINE_INFO) continue;
    auto* info = reinterpret_cast<const jvmtiCompiledMethodLoadInlineRecord*>(r);
    for (jint i = 0; i < info->numpcs; ++i) {
      const PCStackInfo& pc = info->pcinfo[i];
      for (jint k = 0; k < pc.numstackframes && n < ring::kMaxInlined; ++k) {
        auto id = reinterpret_cast<uint64_t>(pc.methods[k]);
        bool seen = id == 0 || id == reinterpret_cast<uint64_t>(method);
        for (uint32_t j = 0; j < n && !seen; ++j) seen = inlined[j] == id;
        if (!seen) inlined[n++] = id;
      }
    }
  }
  put_code_record(method, code_addr, code_size < 0 ? 0 : static_cast<uint32_t>(code_size), inlined, n, 0);
}

void JNICALL on_compiled_method_unload(jvmtiEnv*, jmethodID method, const void* code_addr) {
  put_code_record(method, code_addr, 0, nullptr, 0, ring::kJavaCodeUnloaded);
}

void JNICALL on_vm_init(jvmtiEnv* jvmti, JNIEnv* jni, jthread) {
  jvm_set_thread_env(jni);
  make_all_method_ids(jvmti, jni);
  start_resolver(jni);
}
void JNICALL on_thread_start(jvmtiEnv*, JNIEnv* jni, jthread) {
  jvm_set_thread_env(jni);
}
void JNICALL on_thread_end(jvmtiEnv*, JNIEnv*, jthread) {
  jvm_set_thread_env(nullptr);
}
// Enabled only because AsyncGetCallTrace refuses to walk when nobody listens for class loads.
void JNICALL on_class_load(jvmtiEnv*, JNIEnv*, jthread, jclass) {}
void JNICALL on_class_prepare(jvmtiEnv* jvmti, JNIEnv*, jthread, jclass cls) {
  make_method_ids(jvmti, cls);
}
// Names what the last samples met while the JVM still answers.
void JNICALL on_vm_death(jvmtiEnv*, JNIEnv* jni) {
  name_new_methods(jni);
  __atomic_store_n(&g_dying, true, __ATOMIC_RELEASE);
  jvm_wake_resolver();
}

void* find_agct() {
  void* f = dlsym(RTLD_DEFAULT, "AsyncGetCallTrace");
  if (f == nullptr) {
    if (void* jvm = dlopen("libjvm.so", RTLD_LAZY | RTLD_NOLOAD)) f = dlsym(jvm, "AsyncGetCallTrace");
  }
  return f;
}

jint start(JavaVM* vm, bool live) {
  if (g_jvmti != nullptr) return JNI_OK;
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return JNI_OK;  // not profiling this process
  jvmtiEnv* jvmti = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&jvmti), JVMTI_VERSION_1_2) != JNI_OK || jvmti == nullptr) {
    log(LogLevel::kWarn, "java: no JVMTI environment; Java frames stay unnamed");
    return JNI_OK;
  }
  g_jvmti = jvmti;
  jvmtiCapabilities caps{};
  caps.can_get_line_numbers = 1;
  caps.can_get_source_file_name = 1;
  caps.can_generate_compiled_method_load_events = 1;
  if (jvmti->AddCapabilities(&caps) != JVMTI_ERROR_NONE)
    log(LogLevel::kWarn, "java: JVMTI capabilities refused; Java frames have no line numbers");
  jvmtiEventCallbacks callbacks{};
  callbacks.VMInit = on_vm_init;
  callbacks.VMDeath = on_vm_death;
  callbacks.ThreadStart = on_thread_start;
  callbacks.ThreadEnd = on_thread_end;
  callbacks.ClassLoad = on_class_load;
  callbacks.ClassPrepare = on_class_prepare;
  callbacks.CompiledMethodLoad = on_compiled_method_load;
  callbacks.CompiledMethodUnload = on_compiled_method_unload;
  jvmti->SetEventCallbacks(&callbacks, sizeof callbacks);
  const jvmtiEvent events[] = {JVMTI_EVENT_VM_INIT,
                               JVMTI_EVENT_VM_DEATH,
                               JVMTI_EVENT_THREAD_START,
                               JVMTI_EVENT_THREAD_END,
                               JVMTI_EVENT_CLASS_LOAD,
                               JVMTI_EVENT_CLASS_PREPARE,
                               JVMTI_EVENT_COMPILED_METHOD_LOAD,
                               JVMTI_EVENT_COMPILED_METHOD_UNLOAD};
  for (jvmtiEvent e : events) jvmti->SetEventNotificationMode(JVMTI_ENABLE, e, nullptr);
  void* agct = find_agct();
  if (agct == nullptr) log(LogLevel::kWarn, "java: libjvm has no AsyncGetCallTrace; Java frames stay unseen");
  if (!jvm_frames_init(agct)) {
    log(LogLevel::kWarn, "java: cannot allocate the method table; Java frames stay unseen");
    return JNI_OK;
  }
  if (live) {
    // Attached to a running JVM: VMInit is past. Only this thread's JNIEnv is known now; other threads are
    // walked natively.
    JNIEnv* jni = nullptr;
    if (vm->GetEnv(reinterpret_cast<void**>(&jni), JNI_VERSION_1_6) == JNI_OK && jni != nullptr) {
      make_all_method_ids(jvmti, jni);
      start_resolver(jni);
    }
    jvmti->GenerateEvents(JVMTI_EVENT_COMPILED_METHOD_LOAD);  // the code compiled before we came
  }
  log(LogLevel::kInfo, "java: JVMTI agent loaded%s", live ? " into a running JVM" : "");
  return JNI_OK;
}

}  // namespace
}  // namespace lambdascope::agent

extern "C" {
JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM* vm, char*, void*) {
  return lambdascope::agent::start(vm, false);
}
JNIEXPORT jint JNICALL Agent_OnAttach(JavaVM* vm, char*, void*) {
  return lambdascope::agent::start(vm, true);
}
}
