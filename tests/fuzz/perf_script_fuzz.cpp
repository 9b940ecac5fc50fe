// libFuzzer target for the perf script reader: any bytes in, a Profile or a ParseError out. The first byte
// picks options (threads, --addrs, aggregation, an event filter) and a small block size, so the parallel
// path, block cutting and merging are fuzzed too. Any other exception escaping is a bug: it is not caught.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"
#include "formats/perf_script_reader.hpp"
#include "formats/writers.hpp"
#include "profile/idle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope;
  uint8_t knobs = size > 0 ? data[0] : 0;
  std::string text(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0);
  formats::ReadOptions options;
  options.threads = (knobs & 1) ? 2 : 1;
  options.addrs = knobs & 2;
  options.aggregate = knobs & 4;
  if (knobs & 8) options.event_filter = "cycles";
  formats::perf_script::ReaderTuning tuning;
  tuning.first_block_bytes = tuning.block_bytes = size_t{64} << ((knobs >> 4) & 7);
  auto in = formats::InputSource::from_memory("fuzz", std::move(text));
  try {
    profile::Profile p = formats::perf_script::read(*in, options, tuning);
    formats::FoldedWriteOptions fo;
    fo.tid = knobs & 0x80;
    fo.annotate_kernel = fo.annotate_jit = fo.annotate_inlined = true;
    std::string folded = formats::write_folded(p, fo);
    std::vector<uint8_t> idle = profile::idle_stacks(p);
    if (idle.size() != p.stacks.size()) __builtin_trap();
  } catch (const formats::ParseError&) {
  }
  return 0;
}
