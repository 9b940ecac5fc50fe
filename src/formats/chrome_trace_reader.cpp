// Placeholder until this reader lands: it says so instead of failing to link.
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"

namespace lambdascope::formats {

profile::Profile read_chrome_trace(InputSource& in, const ReadOptions&) {
  throw ParseError::whole(in.name(), "Chrome trace input is not supported yet");
}

}  // namespace lambdascope::formats
