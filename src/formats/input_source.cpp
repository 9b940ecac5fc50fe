#include "formats/input_source.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "formats/parse_error.hpp"

namespace lambdascope::formats {

struct InputSource::Inflate {
  z_stream z{};
  // 64 KiB: below malloc's mmap threshold, so opening many small gzip'd inputs does not page-fault a fresh
  // zero-filled buffer in each time.
  std::vector<unsigned char> in = std::vector<unsigned char>(1 << 16);
  bool at_member_start = true;  // between gzip members (or before the first)
  bool eof = false;
  bool initialized = false;
  ~Inflate() { inflateEnd(&z); }
};

std::unique_ptr<InputSource> InputSource::open(const std::string& path) {
  std::unique_ptr<InputSource> src(new InputSource());
  if (path == "-") {
    src->name_ = "<stdin>";
    src->fd_ = 0;
  } else {
    src->name_ = path;
    src->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src->fd_ < 0) throw ParseError::whole(path, std::string("cannot open: ") + std::strerror(errno));
    src->owns_fd_ = true;
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(src->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  return src;
}

std::unique_ptr<InputSource> InputSource::from_memory(std::string name, std::string data) {
  std::unique_ptr<InputSource> src(new InputSource());
  src->name_ = std::move(name);
  src->memory_ = std::move(data);
  src->from_memory_ = true;
  return src;
}

InputSource::~InputSource() {
  if (owns_fd_) ::close(fd_);
}

size_t InputSource::read_raw(char* buf, size_t n) {
  if (!raw_pending_.empty()) {
    size_t k = std::min(n, raw_pending_.size());
    std::memcpy(buf, raw_pending_.data(), k);
    raw_pending_.erase(0, k);
    return k;
  }
  if (from_memory_) {
    size_t k = std::min(n, memory_.size() - memory_pos_);
    std::memcpy(buf, memory_.data() + memory_pos_, k);
    memory_pos_ += k;
    return k;
  }
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    throw ParseError::whole(name_, std::string("read error: ") + std::strerror(errno));
  }
}

void InputSource::detect_gzip() {
  detected_ = true;
  char magic[2];
  size_t got = 0;
  while (got < 2) {
    size_t r = read_raw(magic + got, 2 - got);
    if (r == 0) break;
    got += r;
  }
  raw_pending_.assign(magic, got);
  if (got == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
      static_cast<unsigned char>(magic[1]) == 0x8b) {
    gzipped_ = true;
    inflate_ = std::make_unique<Inflate>();
  }
}

size_t InputSource::read_decompressed(char* buf, size_t n) {
  Inflate& s = *inflate_;
  z_stream& z = s.z;
  z.next_out = reinterpret_cast<Bytef*>(buf);
  z.avail_out = static_cast<uInt>(n);
  while (z.avail_out == n) {
    if (z.avail_in == 0 && !s.eof) {
      size_t r = read_raw(reinterpret_cast<char*>(s.in.data()), s.in.size());
      if (r == 0) s.eof = true;
      z.next_in = s.in.data();
      z.avail_in = static_cast<uInt>(r);
    }
    if (s.at_member_start) {
      if (z.avail_in == 0 && s.eof) break;  // clean end after the last member
      // Trailing zero padding after the last member (some tools write it) is not a new member.
      if (z.next_in[0] == 0) {
        bool all_zero = true;
        for (uInt i = 0; i < z.avail_in; ++i) all_zero = all_zero && z.next_in[i] == 0;
        if (all_zero && s.eof) break;
      }
      int rc = s.initialized ? inflateReset2(&z, 16 + MAX_WBITS) : inflateInit2(&z, 16 + MAX_WBITS);
      if (rc != Z_OK) throw ParseError::whole(name_, "cannot start gzip decompression");
      s.initialized = true;
      s.at_member_start = false;
    }
    uInt before_in = z.avail_in;
    int rc = inflate(&z, Z_NO_FLUSH);
    compressed_pos_ += before_in - z.avail_in;
    if (rc == Z_STREAM_END) {
      s.at_member_start = true;
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR)
      throw ParseError::at_byte(name_, compressed_pos_,
                                std::string("corrupt gzip data (") + (z.msg ? z.msg : "inflate failed") +
                                    "), in the compressed stream");
    if (z.avail_in == 0 && s.eof && z.avail_out == n)
      throw ParseError::at_byte(name_, compressed_pos_,
                                "truncated gzip stream: the input ends inside a compressed member");
  }
  return n - z.avail_out;
}

size_t InputSource::read(char* buf, size_t n) {
  if (n == 0) return 0;
  if (!peeked_.empty()) {
    size_t k = std::min(n, peeked_.size());
    std::memcpy(buf, peeked_.data(), k);
    peeked_.erase(0, k);
    position_ += k;
    return k;
  }
  if (!detected_) detect_gzip();
  size_t k = gzipped_ ? read_decompressed(buf, n) : read_raw(buf, n);
  position_ += k;
  return k;
}

std::string_view InputSource::peek(size_t n) {
  if (!detected_) detect_gzip();
  while (peeked_.size() < n) {
    size_t old = peeked_.size();
    peeked_.resize(n);
    size_t k =
        gzipped_ ? read_decompressed(peeked_.data() + old, n - old) : read_raw(peeked_.data() + old, n - old);
    peeked_.resize(old + k);
    if (k == 0) break;
  }
  return std::string_view(peeked_).substr(0, std::min(n, peeked_.size()));
}

std::string InputSource::read_all() {
  // Start from what peek() already holds (for a small input, all of it), then read into the spare capacity,
  // doubling it when full: resize() zero-fills, so large fixed blocks would cost more than small inputs take
  // to parse.
  std::string out = std::move(peeked_);
  peeked_.clear();
  position_ += out.size();
  if (out.capacity() < (64u << 10)) out.reserve(64u << 10);
  for (;;) {
    if (out.size() == out.capacity()) out.reserve(out.capacity() * 2);
    size_t old = out.size();
    out.resize(out.capacity());
    size_t k = read(out.data() + old, out.size() - old);
    out.resize(old + k);
    if (k == 0) break;
  }
  return out;
}

}  // namespace lambdascope::formats
