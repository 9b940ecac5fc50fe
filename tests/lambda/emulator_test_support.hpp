// Helpers for the emulator's tests: HTTP clients for its APIs, JSON field access, a runtime and an
// extension driven from the test process, and where the fixtures are.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lambda/emulator/emulator.hpp"
#include "lambda_test_paths.hpp"

namespace lambdascope::lambda::testing {

inline std::string fixtures_dir() {
  return LS_LAMBDA_FIXTURES_DIR;
}  // built fixtures
inline std::string source_fixtures_dir() {
  return LS_LAMBDA_SOURCE_FIXTURES_DIR;
}  // Node.js functions
inline std::string examples_dir() {
  return LS_LAMBDA_EXAMPLES_DIR;
}  // built samples

// A client for the emulator's APIs; one per thread (httplib clients are not shared between threads).
inline std::unique_ptr<httplib::Client> api_client(const Emulator& e) {
  std::string api = e.runtime_api();
  size_t colon = api.rfind(':');
  auto c = std::make_unique<httplib::Client>(api.substr(0, colon), std::stoi(api.substr(colon + 1)));
  c->set_read_timeout(std::chrono::seconds(60));
  c->set_tcp_nodelay(true);
  return c;
}

// The string (or raw JSON for non-strings) at a JSON pointer such as "/errorType"; nullopt when absent.
inline std::optional<std::string> json_at(const std::string& json, const std::string& pointer) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc)) return std::nullopt;
  simdjson::dom::element e;
  if (doc.at_pointer(pointer).get(e)) return std::nullopt;
  std::string_view s;
  if (!e.get(s)) return std::string(s);
  return simdjson::minify(e);
}

inline double json_number(const std::string& json, const std::string& pointer) {
  auto v = json_at(json, pointer);
  return v ? std::atof(v->c_str()) : -1;
}

// The platform events of one type, in order.
inline std::vector<std::string> events_of_type(const Emulator& e, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& ev : e.platform_events()) {
    if (json_at(ev, "/type") == type) out.push_back(ev);
  }
  return out;
}

inline std::vector<std::string> event_types(const Emulator& e) {
  std::vector<std::string> out;
  for (const auto& ev : e.platform_events()) out.push_back(json_at(ev, "/type").value_or("?"));
  return out;
}

// Options for an emulator whose runtime (and extensions) are this test process.
inline EmulatorOptions in_process_options() {
  EmulatorOptions o;
  o.external_runtime = true;
  o.function_name = "conformance";
  o.handler = "index.handler";
  o.timeout = std::chrono::milliseconds(3000);
  o.init_timeout = std::chrono::milliseconds(5000);
  o.on_log = [](LogSource, const std::string&, const std::string&) {};
  return o;
}

// A runtime in a thread: answers every event with its payload (or what `answer` returns) until the
// emulator goes away.
class EchoRuntime {
 public:
  explicit EchoRuntime(const Emulator& e) : client_(api_client(e)) {
    thread_ = std::thread([this] {
      while (true) {
        auto next = client_->Get("/2018-06-01/runtime/invocation/next");
        if (!next || next->status != 200) return;
        ++events_;
        std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
        client_->Post("/2018-06-01/runtime/invocation/" + id + "/response", next->body, "application/json");
      }
    });
  }
  ~EchoRuntime() { thread_.join(); }  // the emulator's shutdown ends its blocked /next
  int events() const { return events_; }

 private:
  std::unique_ptr<httplib::Client> client_;
  std::thread thread_;
  std::atomic<int> events_{0};
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace lambdascope::lambda::testing
