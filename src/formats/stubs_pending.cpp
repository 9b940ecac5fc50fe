// Temporary: readers and writers not yet implemented report so plainly instead of failing to link.
// Each is replaced by its own <format>_reader.cpp / <format>_writer.cpp.
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

namespace lambdascope::formats {

#define LS_PENDING_READER(fn, what)                                         \
  profile::Profile fn(InputSource& in, const ReadOptions&) {                \
    throw ParseError::whole(in.name(), what " input is not supported yet"); \
  }
LS_PENDING_READER(read_perf_script, "perf script")
LS_PENDING_READER(read_folded, "folded")
LS_PENDING_READER(read_pprof, "pprof")
LS_PENDING_READER(read_gperftools_cpu, "gperftools")
LS_PENDING_READER(read_cpuprofile, "cpuprofile")
LS_PENDING_READER(read_chrome_trace, "Chrome trace")
LS_PENDING_READER(read_speedscope, "speedscope")

std::string write_folded(const profile::Profile&, const FoldedWriteOptions&) {
  throw std::runtime_error("pending");
}
std::string write_folded_diff(const profile::Profile&, const FoldedWriteOptions&) {
  throw std::runtime_error("pending");
}
std::string write_pprof(const profile::Profile&, const PprofWriteOptions&) {
  throw std::runtime_error("pending");
}
std::string write_speedscope(const profile::Profile&, const SpeedscopeWriteOptions&) {
  throw std::runtime_error("pending");
}

}  // namespace lambdascope::formats
