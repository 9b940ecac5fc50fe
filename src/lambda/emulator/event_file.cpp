#include "lambda/emulator/event_file.hpp"

#include <simdjson.h>

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "lambda/emulator/sandbox_state.hpp"

namespace lambdascope::lambda {

std::vector<std::string> read_event_lines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) throw std::invalid_argument("cannot read events file " + path);
    in = &file;
  }
  std::vector<std::string> events;
  simdjson::dom::parser parser;
  std::string line;
  size_t number = 0;
  while (std::getline(*in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (line.size() > kMaxEventPayloadBytes) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": an event of " +
                                  std::to_string(line.size()) +
                                  " bytes is over Lambda's 6 MB invocation payload limit");
    }
    simdjson::padded_string padded(line);
    if (auto err = parser.parse(padded).error()) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": not a JSON event (" +
                                  simdjson::error_message(err) + ")");
    }
    events.push_back(line);
  }
  if (events.empty()) throw std::invalid_argument(path + ": no events (one JSON value per line expected)");
  return events;
}

}  // namespace lambdascope::lambda
