// Linked into the lambdascope executable only (src/CMakeLists.txt), so that the binary in the Lambda layer
// loads on Amazon Linux 2023's glibc 2.34 although it is built on Debian 12 (glibc 2.36). The static C++
// runtime calls two functions that glibc added after 2.34; defining them here binds those calls at link time
// to these versions instead of to glibc's (tests/e2e/layer_test.sh checks no GLIBC_2.35+ reference remains):
//   arc4random       (2.36) std::random_device's entropy source in libstdc++.a; getrandom(2) instead
//   arc4random_buf   (2.36) the same for static libraries that take it (libexpat.a's hash salt)
//   _dl_find_object  (2.35) libgcc_eh's lookup of the unwind tables for a PC (every C++ exception); the
//                    dl_iterate_phdr walk that libgcc did before glibc 2.35 instead
#include <dlfcn.h>
#include <link.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace {

struct FindRequest {
  uintptr_t pc;
  dl_find_object* result;
  bool found;
};

int find_object(dl_phdr_info* info, size_t, void* data) {
  auto* request = static_cast<FindRequest*>(data);
  uintptr_t low = UINTPTR_MAX, high = 0, eh_frame = 0;
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD) {
      if (start < low) low = start;
      if (start + ph.p_memsz > high) high = start + ph.p_memsz;
      if (request->pc >= start && request->pc < start + ph.p_memsz) contains = true;
    } else if (ph.p_type == PT_GNU_EH_FRAME) {
      eh_frame = start;
    }
  }
  if (!contains) return 0;
  std::memset(request->result, 0, sizeof *request->result);
  request->result->dlfo_map_start = reinterpret_cast<void*>(low);
  request->result->dlfo_map_end = reinterpret_cast<void*>(high);
  request->result->dlfo_eh_frame = reinterpret_cast<void*>(eh_frame);
  Dl_info dl;
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(request->pc), &dl, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) !=
      0) {
    request->result->dlfo_link_map = map;
  }
  request->found = true;
  return 1;
}

}  // namespace

extern "C" {

uint32_t arc4random(void) {
  uint32_t value = 0;
  for (;;) {
    ssize_t n = getrandom(&value, sizeof value, 0);
    if (n == static_cast<ssize_t>(sizeof value)) return value;
    if (n < 0 && errno != EINTR) __builtin_trap();  // glibc's arc4random cannot fail either: it aborts
  }
}

void arc4random_buf(void* buffer, size_t size) {
  auto* p = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno != EINTR) __builtin_trap();
      continue;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

int _dl_find_object(void* pc, dl_find_object* result) {
  FindRequest request{reinterpret_cast<uintptr_t>(pc), result, false};
  dl_iterate_phdr(find_object, &request);
  return request.found ? 0 : -1;
}

}  // extern "C"
