#include "server/live/nested_set_json.hpp"

#include "text/json_writer.hpp"

namespace lambdascope::live {

std::string nested_set_json(const std::vector<NestedSetRow>& rows) {
  std::string out;
  text::JsonWriter w(out);
  w.begin_array();
  for (const NestedSetRow& r : rows) {
    w.begin_object();
    w.key("level");
    w.integer(r.level);
    w.key("value");
    w.number(r.value);
    w.key("self");
    w.number(r.self);
    w.key("label");
    w.string(r.label);
    w.end_object();
  }
  w.end_array();
  return out;
}

}  // namespace lambdascope::live
