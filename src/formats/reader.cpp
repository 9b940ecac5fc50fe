#include "formats/reader.hpp"

#include "formats/parse_error.hpp"

namespace lambdascope::formats {

profile::Profile read_profile(InputSource& in, const ReadOptions& options) {
  Format f = options.format.value_or(Format::kUnknown);
  if (f == Format::kUnknown) {
    std::string_view head = in.peek(64 * 1024);
    if (head.empty()) return {};  // an empty input is an empty profile, as the reference tools treat it
    f = sniff(head);
  }
  switch (f) {
    case Format::kPerfScript:
      return read_perf_script(in, options);
    case Format::kFolded:
      return read_folded(in, options);
    case Format::kPprof:
      return read_pprof(in, options);
    case Format::kGperftoolsCpu:
      return read_gperftools_cpu(in, options);
    case Format::kCpuProfile:
      return read_cpuprofile(in, options);
    case Format::kChromeTrace:
      return read_chrome_trace(in, options);
    case Format::kSpeedscope:
      return read_speedscope(in, options);
    case Format::kUnknown:
      break;
  }
  throw ParseError::at_byte(
      in.name(), 0,
      "unrecognized format: expected perf script text, folded stacks, pprof, gperftools, "
      "V8 .cpuprofile, Chrome trace or speedscope JSON");
}

profile::Profile read_profile_file(const std::string& path, const ReadOptions& options) {
  auto in = InputSource::open(path);
  return read_profile(*in, options);
}

}  // namespace lambdascope::formats
