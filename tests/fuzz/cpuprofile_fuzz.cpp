// libFuzzer target: arbitrary bytes into the V8 .cpuprofile reader, and whatever it reads through the
// speedscope writer and back. ParseError is the expected answer to garbage; any other exception escaping is a
// bug (it crashes the fuzzer), and so is output of ours that our speedscope reader rejects.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope::formats;
  auto in = InputSource::from_memory("fuzz", std::string(reinterpret_cast<const char*>(data), size));
  ReadOptions options;
  options.warn = [](const std::string&) {};
  lambdascope::profile::Profile p;
  try {
    p = read_cpuprofile(*in, options);
  } catch (const ParseError&) {
    return 0;
  }
  std::string json;
  try {
    json = write_speedscope(p);
  } catch (const ParseError&) {
    return 0;  // weights speedscope cannot show (negative, or too large to add up)
  }
  auto back = InputSource::from_memory("fuzz-out", json);
  read_speedscope(*back, ReadOptions{});  // must not throw
  return 0;
}
