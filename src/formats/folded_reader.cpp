// Placeholder until this reader lands: it says so instead of failing to link.
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"

namespace lambdascope::formats {

profile::Profile read_folded(InputSource& in, const ReadOptions&) {
  throw ParseError::whole(in.name(), "folded input is not supported yet");
}

}  // namespace lambdascope::formats
