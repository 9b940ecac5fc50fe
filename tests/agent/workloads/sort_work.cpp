// Most time is spent in callbacks called by code without frame pointers: qsort (libc) calling
// compare_ints, a std::thread (started by libstdc++'s execute_native_thread_routine) running std::sort with
// compare_desc, and an std::ostream (libstdc++'s __ostream_insert) calling SlowBuf::xsputn. A correct
// unwinder reaches main (or the thread's start) through those frames.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <thread>
#include <vector>

static uint64_t g_sink = 0;

__attribute__((noinline)) static uint64_t mix(uint64_t x) {
  for (int i = 0; i < 40; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

extern "C" __attribute__((noinline)) int compare_ints(const void* a, const void* b) {
  int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
  g_sink += mix(static_cast<uint64_t>(x));
  return (x > y) - (x < y);
}

__attribute__((noinline)) static bool compare_desc(int x, int y) {
  g_sink += mix(static_cast<uint64_t>(y));
  return x > y;
}

class SlowBuf : public std::streambuf {
 public:
  uint64_t sum = 0;

 protected:
  __attribute__((noinline)) std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) sum += mix(static_cast<uint64_t>(s[i]));
    return n;
  }
  int_type overflow(int_type c) override {
    sum += static_cast<uint64_t>(c);
    return c;
  }
};

static std::vector<int> make_data(size_t n, unsigned seed) {
  std::vector<int> v(n);
  for (auto& x : v) x = static_cast<int>((seed = seed * 1103515245u + 12345u) >> 8);
  return v;
}

static double elapsed(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  double phase = argc > 1 ? atof(argv[1]) : 0.4;
  long checksum = 0;

  auto t0 = std::chrono::steady_clock::now();
  unsigned seed = 1;
  while (elapsed(t0) < phase) {
    std::vector<int> v = make_data(20000, seed++);
    qsort(v.data(), v.size(), sizeof(int), compare_ints);
    checksum += std::is_sorted(v.begin(), v.end());
  }

  long sorted_desc = 0;
  std::thread sorter([&] {
    auto t1 = std::chrono::steady_clock::now();
    unsigned s = 7;
    while (elapsed(t1) < phase) {
      std::vector<int> v = make_data(20000, s++);
      std::sort(v.begin(), v.end(), compare_desc);
      sorted_desc += std::is_sorted(v.rbegin(), v.rend());
    }
  });
  sorter.join();

  SlowBuf buf;
  std::ostream out(&buf);
  std::string line(4096, 'x');
  auto t2 = std::chrono::steady_clock::now();
  long writes = 0;
  while (elapsed(t2) < phase) {
    out << line;
    ++writes;
  }
  std::printf("qsort_ok=%d sort_ok=%d stream_ok=%d\n", checksum > 0, sorted_desc > 0,
              buf.sum != 0 && writes > 0);
  return g_sink == 42 ? 1 : 0;
}
