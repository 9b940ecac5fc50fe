// libFuzzer target for the perf script reader: any bytes in, a Profile or a ParseError out. The first byte
// picks options (--addrs, aggregation, an event filter, roots) and a small block size. Each input is read
// twice, in one block on one thread and in small blocks on one or two threads, and the two results must be
// the same profile or the same error: block cutting, the caches and the ordered merge are checked, not only
// run. Any other exception escaping is a bug: it is not caught.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"
#include "formats/perf_script_reader.hpp"
#include "formats/writers.hpp"
#include "profile/idle.hpp"

namespace {

using namespace lambdascope;

// The folded text of the input (with times and tids), or the error message.
std::string read(const std::string& text, uint8_t knobs, unsigned threads, size_t block) {
  formats::ReadOptions options;
  options.threads = threads;
  options.addrs = knobs & 2;
  options.aggregate = knobs & 4;
  if (knobs & 8) options.event_filter = "cycles";
  formats::perf_script::ReaderTuning tuning{block, block};
  auto in = formats::InputSource::from_memory("fuzz", text);
  try {
    profile::Profile p = formats::perf_script::read(*in, options, tuning);
    if (profile::idle_stacks(p).size() != p.stacks.size()) __builtin_trap();
    formats::FoldedWriteOptions fo;
    fo.tid = knobs & 0x80;
    fo.annotate_kernel = fo.annotate_jit = fo.annotate_inlined = true;
    std::string out = formats::write_folded(p, fo);
    for (int64_t t : p.samples.time_ns) out += std::to_string(t) + ",";
    return out;
  } catch (const formats::ParseError& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t knobs = size > 0 ? data[0] : 0;
  std::string text(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0);
  std::string whole = read(text, knobs, 1, size_t{1} << 20);
  std::string blocks = read(text, knobs, (knobs & 1) ? 2 : 1, size_t{64} << ((knobs >> 4) & 7));
  if (whole != blocks) __builtin_trap();
  return 0;
}
