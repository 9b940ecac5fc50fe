// Shared body of the JSON-format fuzz targets: arbitrary bytes into one reader, and whatever it reads through
// the speedscope writer and back. ParseError is the expected answer to garbage; any other exception escaping
// is a bug (it crashes the fuzzer), and so is output of ours that our speedscope reader rejects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

namespace lambdascope::fuzz {

using Reader = profile::Profile (*)(formats::InputSource&, const formats::ReadOptions&);

inline int read_then_round_trip_speedscope(Reader read, const uint8_t* data, size_t size) {
  using namespace lambdascope::formats;
  auto in = InputSource::from_memory("fuzz", std::string(reinterpret_cast<const char*>(data), size));
  ReadOptions options;
  options.warn = [](const std::string&) {};
  profile::Profile p;
  try {
    p = read(*in, options);
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

}  // namespace lambdascope::fuzz
