// Extensions API 2020-01-01 (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html).
#include <httplib.h>

#include "lambda/common/json.hpp"
#include "lambda/emulator/api_http.hpp"
#include "lambda/emulator/api_routes.hpp"

namespace lambdascope::lambda {

namespace {

constexpr const char* kIdentifierHeader = "Lambda-Extension-Identifier";

// rapid's AgentUniqueIdentifierHeaderValidator: every call but /register needs a well-formed identifier.
bool check_identifier(const httplib::Request& req, httplib::Response& res, std::string* id) {
  *id = req.get_header_value(kIdentifierHeader);
  if (id->empty()) {
    send(res, ApiResponse{403, error_body("Extension.MissingExtensionIdentifier",
                                          "Missing Lambda-Extension-Identifier header")});
    return false;
  }
  if (!is_uuid(*id)) {
    send(res, ApiResponse{403, error_body("Extension.InvalidExtensionIdentifier",
                                          "Invalid Lambda-Extension-Identifier")});
    return false;
  }
  return true;
}

}  // namespace

void add_extensions_api(httplib::Server& server, SandboxState& state) {
  server.Post("/2020-01-01/extension/register",
              [&state](const httplib::Request& req, httplib::Response& res) {
                send(res, state.agent_register(req.get_header_value("Lambda-Extension-Name"), req.body,
                                               req.get_header_value("Lambda-Extension-Accept-Feature")));
              });

  server.Get("/2020-01-01/extension/event/next",
             [&state](const httplib::Request& req, httplib::Response& res) {
               std::string id;
               if (check_identifier(req, res, &id)) send(res, state.agent_next(id));
             });

  server.Post(
      "/2020-01-01/extension/init/error", [&state](const httplib::Request& req, httplib::Response& res) {
        std::string id;
        if (check_identifier(req, res, &id)) {
          send(res, state.agent_init_error(id, req.get_header_value("Lambda-Extension-Function-Error-Type")));
        }
      });

  server.Post(
      "/2020-01-01/extension/exit/error", [&state](const httplib::Request& req, httplib::Response& res) {
        std::string id;
        if (check_identifier(req, res, &id)) {
          send(res, state.agent_exit_error(id, req.get_header_value("Lambda-Extension-Function-Error-Type")));
        }
      });
}

}  // namespace lambdascope::lambda
