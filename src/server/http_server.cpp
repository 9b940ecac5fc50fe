#include "server/http_server.hpp"

#include <httplib.h>

#include <chrono>
#include <stdexcept>

#include "render/embedded_files.hpp"
#include "render/html_page.hpp"
#include "server/api.hpp"
#include "server/metrics.hpp"
#include "text/json_writer.hpp"

namespace lambdascope::server {

namespace {
constexpr const char* kJson = "application/json";

struct ClientGone {};  // the client disconnected: stop merging

std::string error_json(const std::string& message, const std::string& parameter = {}) {
  std::string out;
  text::JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  w.key("error");
  w.string(message);
  if (!parameter.empty()) {
    w.key("parameter");
    w.string(parameter);
  }
  w.end_object();
  return out;
}

// The hostname of a Host header value: "[::1]:8420" → "[::1]", "localhost:8420" → "localhost".
std::string host_name(const std::string& value) {
  if (!value.empty() && value[0] == '[') return value.substr(0, value.find(']') + 1);
  return value.substr(0, value.find(':'));
}

Params params_of(const httplib::Request& req) {
  return Params(req.params.begin(), req.params.end());
}

// Runs `body`, turning the exceptions of the API into status codes and one-line JSON errors.
template <class F>
void answer(httplib::Response& res, F&& body) {
  try {
    body();
  } catch (const BadParameter& e) {
    res.status = 400;
    res.set_content(error_json(e.what(), e.parameter()), kJson);
  } catch (const NotFound& e) {
    res.status = 404;
    res.set_content(error_json(e.what()), kJson);
  } catch (const std::exception& e) {
    res.status = 500;
    res.set_content(error_json(e.what()), kJson);
  }
}
}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct HttpServer::Impl {
  ServeOptions options;
  Catalog catalog;
  ProfileCache cache;
  Api api;
  RequestCounters counters;
  httplib::Server http;
  std::string shell;
  int port = 0;

  explicit Impl(const ServeOptions& o)
      : options(o),
        catalog(o.sources),
        cache(o.cache_mb << 20),
        api(catalog, cache, o.jobs),
        shell(render::html_page(
            "lambdascope",
            R"({"format":"lambdascope-page","version":1,"page":"serve","title":"lambdascope","api":"/api"})",
            render::web_bundle(), render::PayloadEncoding::kJson)) {}

  bool host_allowed(const httplib::Request& req) const {
    if (options.host == "0.0.0.0" || options.host == "::") return true;  // every interface: the user's choice
    std::string h = host_name(req.get_header_value("Host"));
    return h == "localhost" || h == "127.0.0.1" || h == "[::1]" || h == options.host ||
           h == "[" + options.host + "]";
  }

  // A page route: the shell, when what it names exists.
  void page(const httplib::Request& req, httplib::Response& res) {
    answer(res, [&] {
      auto listing = catalog.listing();
      const std::string& path = req.path;
      std::string name = req.matches.size() > 1 ? req.matches[1].str() : "";
      bool known = path == "/" || (path.starts_with("/f/") && listing->by_function.count(name)) ||
                   (path.starts_with("/why-slow/") && listing->by_function.count(name)) ||
                   (path.starts_with("/i/") && listing->by_key.count(name)) ||
                   (path.starts_with("/file/") && listing->file_by_name.count(name));
      if (!known) throw NotFound("nothing is served at " + path);
      res.set_content(shell, "text/html; charset=utf-8");
    });
  }

  // /api/profile and /api/diff: the answer, or with progress=1 an ndjson stream of progress lines and the
  // payload, stopped when the client goes away.
  void merged(const httplib::Request& req, httplib::Response& res, bool diff) {
    answer(res, [&] {
      Params params = params_of(req);
      std::string progress = single(params, "progress").value_or("0");
      if (progress != "0" && progress != "1") throw BadParameter("progress", "progress must be 0 or 1");
      if (progress == "0") {
        Rendered r = diff ? api.diff(params) : api.profile(params);
        res.set_content(r.body, r.content_type);
        return;
      }
      if (single(params, "format").value_or("") != "page")
        throw BadParameter("progress", "progress=1 streams a page payload; ask for format=page");
      params.erase("progress");
      res.set_chunked_content_provider(
          "application/x-ndjson", [this, params, diff](size_t, httplib::DataSink& sink) {
            auto write_line = [&](const std::string& line) {
              std::string l = line + "\n";
              if (!sink.is_writable() || !sink.write(l.data(), l.size())) throw ClientGone{};
            };
            std::chrono::steady_clock::time_point last{};  // the first profile is reported at once
            Progress report = [&](size_t done, size_t total) {
              if (!sink.is_writable()) throw ClientGone{};
              auto now = std::chrono::steady_clock::now();
              if (done != total && now - last < std::chrono::milliseconds(100)) return;
              last = now;
              write_line(R"({"progress":{"done":)" + std::to_string(done) + R"(,"total":)" +
                         std::to_string(total) + "}}");
            };
            try {
              Rendered r = diff ? api.diff(params, report) : api.profile(params, report);
              write_line(R"({"payload":)" + r.body + "}");
            } catch (const ClientGone&) {
              counters.count_cancelled();
              return false;
            } catch (const std::exception& e) {
              try {
                write_line(error_json(e.what()));
              } catch (const ClientGone&) {
                counters.count_cancelled();
                return false;
              }
            }
            sink.done();
            return true;
          });
    });
  }

  void routes() {
    http.new_task_queue = [] { return new httplib::ThreadPool(16); };
    // Answers are data, never to be sniffed into HTML; a page of another origin cannot frame the UI.
    http.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"X-Frame-Options", "DENY"}});
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (host_allowed(req)) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 403;
      res.set_content(error_json("the Host header names neither localhost nor the address served"), kJson);
      return httplib::Server::HandlerResponse::Handled;
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      counters.count(req.path, res.status);
    });
    auto json = [this](std::string (Api::*endpoint)(const Params&)) {
      return [this, endpoint](const httplib::Request& req, httplib::Response& res) {
        answer(res, [&] { res.set_content((api.*endpoint)(params_of(req)), kJson); });
      };
    };
    http.Get("/api/functions", json(&Api::functions));
    http.Get("/api/invocations", json(&Api::invocations));
    http.Get("/api/files", json(&Api::files));
    http.Get("/api/why-slow", json(&Api::why_slow));
    http.Get("/api/profile",
             [this](const httplib::Request& req, httplib::Response& res) { merged(req, res, false); });
    http.Get("/api/diff",
             [this](const httplib::Request& req, httplib::Response& res) { merged(req, res, true); });
    // Grafana's flame graph panel through a JSON data source: the selection's call tree as a nested set.
    http.Get("/flamegraph.json", [this](const httplib::Request& req, httplib::Response& res) {
      answer(res, [&] {
        Params params = params_of(req);
        if (single(params, "format")) throw BadParameter("format", "/flamegraph.json takes no format");
        params.emplace("format", "nested-set");
        Rendered r = api.profile(params);
        res.set_content(r.body, r.content_type);
      });
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      answer(res, [&] {
        res.set_content(render_metrics(*catalog.listing(), counters, cache, options.cache_mb << 20),
                        "text/plain; version=0.0.4; charset=utf-8");
      });
    });
    auto shell_route = [this](const httplib::Request& req, httplib::Response& res) { page(req, res); };
    for (const char* route : {"/", "/f/(.+)", "/why-slow/(.+)", "/i/(.+)", "/file/(.+)"})
      http.Get(route, shell_route);
    http.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 404;
      res.set_content(error_json("nothing is served at " + req.path), kJson);
    });
  }
};

HttpServer::HttpServer(const ServeOptions& options) : impl_(std::make_unique<Impl>(options)) {
  impl_->routes();
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  Impl& i = *impl_;
  if (i.options.port == 0) {
    i.port = i.http.bind_to_any_port(i.options.host);
    if (i.port < 0) throw std::runtime_error("cannot listen on " + i.options.host);
  } else {
    if (!i.http.bind_to_port(i.options.host, i.options.port))
      throw std::runtime_error("cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) +
                               " (in use? try --port 0 for any free port)");
    i.port = i.options.port;
  }
  return i.port;
}

std::string HttpServer::url() const {
  const std::string& h = impl_->options.host;
  std::string shown = h == "0.0.0.0" || h == "::"        ? "127.0.0.1"
                      : h.find(':') != std::string::npos ? "[" + h + "]"
                                                         : h;
  return "http://" + shown + ":" + std::to_string(impl_->port) + "/";
}

void HttpServer::run() {
  impl_->http.listen_after_bind();
}

void HttpServer::stop() {
  impl_->http.stop();
}

}  // namespace lambdascope::server
