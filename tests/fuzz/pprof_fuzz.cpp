// libFuzzer target for the pprof reader; a ParseError is the expected answer to bad bytes.
//
// pprof files are gzip'd, and mutating compressed bytes mostly yields gzip errors that never reach the
// protobuf decoder. So the custom mutator (libFuzzer's recipe for compressed formats) inflates a gzip'd
// input, mutates the protobuf inside and deflates it again; now and then it leaves the result uncompressed,
// which InputSource also accepts.
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "formats/parse_error.hpp"
#include "pprof_round_trip.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

constexpr size_t kMaxInflated = 1 << 20;

// Inflates as much of a gzip stream as is intact (seeds are cut at 64 KiB); empty when it is not gzip.
std::string inflate_prefix(const uint8_t* data, size_t size) {
  if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) return {};
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return {};
  std::string out(kMaxInflated, '\0');
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_SYNC_FLUSH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string deflate_gzip(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::string raw = inflate_prefix(data, size);
  if (raw.empty()) return LLVMFuzzerMutate(data, size, max_size);
  size_t used = raw.size();
  raw.resize(std::max(raw.size() * 2, raw.size() + 64));
  used = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(raw.data()), used, raw.size());
  raw.resize(used);
  std::string out = seed % 8 == 0 ? raw : deflate_gzip(raw);
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope;
  auto in =
      formats::InputSource::from_memory("fuzz.pb", std::string(reinterpret_cast<const char*>(data), size));
  formats::ReadOptions o;
  o.format = formats::Format::kPprof;
  profile::Profile p;
  try {
    p = formats::read_profile(*in, o);
  } catch (const formats::ParseError&) {
    return 0;
  }
  fuzz::check_round_trip(p);
  return 0;
}
