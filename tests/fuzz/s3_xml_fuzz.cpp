// The S3 answer parsers (expat underneath, our element walking on top) and the key/time parsers `pull` and
// `merge` run on listing results: any bytes must give a value or a clean exception, never a crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "store/object_key.hpp"
#include "store/profile_query.hpp"
#include "store/s3_xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    lambdascope::store::ListPage page = lambdascope::store::parse_list_page(text);
    for (const auto& o : page.objects) lambdascope::store::parse_object_key(o.key, "prof");
  } catch (const std::runtime_error&) {
  }
  lambdascope::store::parse_error_document(text);
  lambdascope::store::parse_object_key(text, "");
  try {
    lambdascope::store::parse_time_flag(std::string(text.substr(0, 64)), 1763712000000);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
