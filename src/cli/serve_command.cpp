// `lambdascope serve`: every stored invocation and profile file in the browser, with a JSON API and /metrics
// (src/server). Prints its URL and serves until interrupted.
#include <spawn.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "server/http_server.hpp"

extern char** environ;

namespace lambdascope::cli {

namespace {
struct ServeFlags {
  server::ServeOptions options;
  bool open = false;
};

void open_browser(const std::string& url) {
  pid_t pid;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
    std::fprintf(stderr, "lambdascope serve: warning: cannot start a browser (xdg-open); open %s\n",
                 url.c_str());
  }
}
}  // namespace

Action add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Explore stored invocations and profile files in the browser");
  cmd->footer(
      "SOURCE is a directory store (its subfolders in the key layout; files directly in it are served as\n"
      "profile files too), s3://BUCKET/PREFIX (credentials, region and LAMBDASCOPE_S3_ENDPOINT as for "
      "`pull`),\n"
      "a folder of profile files in any format, or a profile file. New profiles appear without a restart.\n"
      "The JSON API (/api/...) and /metrics are described in docs/serve.md. There is no authentication: the\n"
      "server binds 127.0.0.1 unless --host says otherwise.\n\n"
      "Examples:\n"
      "  lambdascope serve profiles/ --open\n"
      "  lambdascope serve s3://bucket/prof --port 9000\n"
      "  curl 'http://127.0.0.1:8420/api/profile?function=api&since=1h&format=folded'");
  cmd->add_option("SOURCE", flags->options.sources,
                  "Directory store, s3://BUCKET/PREFIX, folder or profile file")
      ->required();
  cmd->add_option("--port", flags->options.port, "TCP port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--host", flags->options.host,
                  "Address to bind (anything but loopback: no authentication!)")
      ->capture_default_str();
  cmd->add_flag("--open", flags->open, "Open the URL in a browser (xdg-open)");
  cmd->add_option("--cache-mb", flags->options.cache_mb,
                  "Memory for parsed profiles, MB (least recently used out)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-j,--jobs", flags->options.jobs, "Parallel downloads of stored profiles")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  return [flags] {
    if (!server::is_loopback_host(flags->options.host))
      std::fprintf(
          stderr,
          "lambdascope serve: warning: listening on %s: anyone who can reach it can read every profile "
          "(there is no authentication)\n",
          flags->options.host.c_str());
    std::signal(SIGPIPE,
                SIG_IGN);  // a client that went away is an error on its socket, not the end of the server
    server::HttpServer http(flags->options);
    http.bind();
    std::printf("lambdascope serve: %s\n", http.url().c_str());
    std::fflush(stdout);
    if (flags->open) open_browser(http.url());
    http.run();
    return 0;
  };
}

}  // namespace lambdascope::cli
