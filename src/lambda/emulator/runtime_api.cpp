// Runtime API 2018-06-01 (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
#include <httplib.h>

#include "lambda/emulator/api_http.hpp"
#include "lambda/emulator/api_routes.hpp"

namespace lambdascope::lambda {

namespace {

// Reads the body inside the handler so the response's start (handler entry, headers read) and end (body
// read) can be timed: platform.runtimeDone's responseLatency and responseDuration spans.
struct TimedBody {
  std::string body;
  Clock::time_point started, finished;
};

TimedBody read_timed(const httplib::ContentReader& reader) {
  TimedBody t;
  t.started = Clock::now();
  reader([&](const char* data, size_t len) {
    t.body.append(data, len);
    return true;
  });
  t.finished = Clock::now();
  return t;
}

}  // namespace

void add_runtime_api(httplib::Server& server, SandboxState& state) {
  server.Get("/2018-06-01/runtime/invocation/next",
             [&state](const httplib::Request&, httplib::Response& res) { send(res, state.runtime_next()); });

  server.Post(
      R"(/2018-06-01/runtime/invocation/([^/]+)/response)",
      [&state](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        TimedBody t = read_timed(reader);
        send(res, state.runtime_response(req.matches[1], std::move(t.body),
                                         req.get_header_value("Content-Type"), t.started, t.finished));
      });

  server.Post(
      R"(/2018-06-01/runtime/invocation/([^/]+)/error)",
      [&state](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        TimedBody t = read_timed(reader);
        send(res, state.runtime_error(
                      req.matches[1], req.get_header_value("Lambda-Runtime-Function-Error-Type"),
                      std::move(t.body), req.get_header_value("Content-Type"), t.started, t.finished));
      });

  server.Post("/2018-06-01/runtime/init/error",
              [&state](const httplib::Request& req, httplib::Response& res) {
                send(res, state.runtime_init_error(req.get_header_value("Lambda-Runtime-Function-Error-Type"),
                                                   req.body, req.get_header_value("Content-Type")));
              });
}

}  // namespace lambdascope::lambda
