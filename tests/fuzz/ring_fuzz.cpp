// libFuzzer target: arbitrary bytes as the data of a sample ring (the file an agent in another process
// writes and the extension and `record` read), behind a valid header whose write position, version and
// mode the first bytes choose; the reader must count what it cannot use, never crash or loop.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "agent/ring_format.hpp"
#include "capture/ring_reader.hpp"

namespace ring = lambdascope::agent::ring;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t knobs = data[0];
  const uint8_t pos_byte = data[1];
  data += 2;
  size -= 2;
  constexpr uint64_t kDataSize = 1 << 16;
  if (size > kDataSize) size = kDataSize;
  // Not *.ring: `make test` checks that no ring is left in /tmp.
  std::string path = "/tmp/lambdascope-fuzz-" + std::to_string(::getpid()) + ".bin";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  if (::ftruncate(fd, static_cast<off_t>(ring::kHeaderSize + kDataSize)) != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return 0;
  }
  void* mem = ::mmap(nullptr, ring::kHeaderSize + kDataSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mem == MAP_FAILED) {
    ::unlink(path.c_str());
    return 0;
  }
  auto* h = static_cast<ring::Header*>(mem);
  std::memcpy(h->magic, ring::kMagic, 8);
  h->version = (knobs & 1) ? 1 : ring::kVersion;
  h->header_size = ring::kHeaderSize;
  h->data_size = kDataSize;
  h->allocated = (knobs & 2) ? kDataSize / 2 : kDataSize;
  h->pid = 77;
  h->mode = static_cast<uint32_t>((knobs & 4) ? ring::Mode::kWall : ring::Mode::kCpu);
  h->period_ns = 1000000;
  std::memcpy(reinterpret_cast<uint8_t*>(mem) + ring::kHeaderSize, data, size);
  // Where the writers got to: the end of the bytes, or anywhere (a writer that died mid-record).
  h->write_pos = (knobs & 8) ? size : size * pos_byte / 255;
  std::string error;
  auto reader = lambdascope::capture::RingReader::open(path, &error);
  ::unlink(path.c_str());
  if (reader != nullptr) {
    lambdascope::capture::RingData out;
    reader->poll(out);
    reader->poll(out);
  }
  ::munmap(mem, ring::kHeaderSize + kDataSize);
  return 0;
}
