#include "lambda/extension/config.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "lambda/extension/ring_directory.hpp"

namespace lambdascope::lambda::extension {

namespace {

std::string get(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v != nullptr ? v : "";
}

bool parse_double(const std::string& text, double* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end && std::isfinite(*out);
}

}  // namespace

const char* flush_mode_name(FlushMode mode) {
  switch (mode) {
    case FlushMode::kBackground:
      return "background";
    case FlushMode::kInvoke:
      return "invoke";
    case FlushMode::kShutdown:
      return "shutdown";
  }
  return "?";
}

ExtensionConfig load_config(const EnvLookup& env) {
  ExtensionConfig c;
  auto bad = [&](const char* name, const std::string& value, const std::string& expected,
                 const std::string& fallback) {
    c.warnings.push_back(std::string(name) + "='" + value + "' is not valid (expected " + expected +
                         "); using " + fallback);
  };

  std::string debug = get(env, "LAMBDASCOPE_DEBUG");
  if (debug == "1" || debug == "true") {
    c.debug = true;
  } else if (!debug.empty() && debug != "0" && debug != "false") {
    bad("LAMBDASCOPE_DEBUG", debug, "0 or 1", "0");
  }

  std::string enabled = get(env, "LAMBDASCOPE_ENABLED");
  if (enabled == "0" || enabled == "false") {
    c.enabled = false;
  } else if (!enabled.empty() && enabled != "1" && enabled != "true") {
    bad("LAMBDASCOPE_ENABLED", enabled, "0 or 1", "1");
  }

  std::string flush = get(env, "LAMBDASCOPE_FLUSH");
  if (flush == "invoke") {
    c.flush = FlushMode::kInvoke;
  } else if (flush == "shutdown") {
    c.flush = FlushMode::kShutdown;
  } else if (!flush.empty() && flush != "background") {
    bad("LAMBDASCOPE_FLUSH", flush, "background, invoke or shutdown", "background");
  }

  std::string rate = get(env, "LAMBDASCOPE_SAMPLE_RATE");
  if (!rate.empty()) {
    double v = 0;
    if (parse_double(rate, &v) && v >= 0 && v <= 1) {
      c.sample_rate = v;
    } else {
      bad("LAMBDASCOPE_SAMPLE_RATE", rate, "a fraction from 0 to 1", "1");
    }
  }

  std::string min_ms = get(env, "LAMBDASCOPE_MIN_DURATION_MS");
  if (!min_ms.empty()) {
    double v = 0;
    if (parse_double(min_ms, &v) && v >= 0) {
      c.min_duration_ms = v;
    } else {
      bad("LAMBDASCOPE_MIN_DURATION_MS", min_ms, "milliseconds, 0 or more", "0");
    }
  }

  std::string symbolize_ms = get(env, "LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS");
  if (!symbolize_ms.empty()) {
    double v = 0;
    if (parse_double(symbolize_ms, &v) && v >= 0) {
      c.shutdown_symbolize_ms = v;
    } else {
      bad("LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS", symbolize_ms, "milliseconds, 0 or more",
          "three quarters of the writing time");
    }
  }

  std::string spool_mb = get(env, "LAMBDASCOPE_SPOOL_MB");
  if (!spool_mb.empty()) {
    double v = 0;
    if (parse_double(spool_mb, &v) && v >= 1 && v <= 10240) {
      c.spool_bytes = static_cast<uint64_t>(v * (1 << 20));
    } else {
      bad("LAMBDASCOPE_SPOOL_MB", spool_mb, "megabytes from 1 to 10240", "64");
    }
  }

  std::string mode = get(env, "LAMBDASCOPE_MODE");
  c.mode_hint = mode.empty() ? "wall" : mode;  // lambdascope-wrapper's default on Lambda

  std::string idle = get(env, "LAMBDASCOPE_IDLE_THREADS");
  if (idle == "keep") {
    c.keep_idle_threads = true;
  } else if (!idle.empty() && idle != "omit") {
    bad("LAMBDASCOPE_IDLE_THREADS", idle, "omit or keep", "omit");
  }

  std::string python = get(env, "LAMBDASCOPE_PYTHON_FRAMES");
  if (python == "all") {
    c.python_interpreter_frames = true;
  } else if (!python.empty() && python != "python") {
    bad("LAMBDASCOPE_PYTHON_FRAMES", python, "python or all", "python");
  }

  c.runtime_api = get(env, "AWS_LAMBDA_RUNTIME_API");
  c.function_name = get(env, "AWS_LAMBDA_FUNCTION_NAME");
  if (c.function_name.empty()) c.function_name = "function";
  c.ring_dir =
      ring_directory(get(env, "LAMBDASCOPE_RING_DIR"), c.runtime_api, get(env, "AWS_LAMBDA_FUNCTION_NAME"));

  std::string destination = get(env, "LAMBDASCOPE_DESTINATION");
  if (!destination.empty()) c.destination = destination;  // checked when the sink opens

  if (std::string inbox = get(env, "LAMBDASCOPE_INBOX"); !inbox.empty()) c.inbox_dir = inbox;

  c.spool_dir = get(env, "LAMBDASCOPE_SPOOL_DIR");
  c.default_ring_dir = get(env, "LAMBDASCOPE_RING_DIR").empty();
  c.default_spool_dir = c.spool_dir.empty();
  if (c.spool_dir.empty()) {
    // Per sandbox name like the rings: two `lambdascope local` runs on one machine must not send each
    // other's profiles to their own destinations. On Lambda /tmp is private and the name is stable.
    c.spool_dir = "/tmp/lambdascope-spool/" +
                  std::to_string(posix_cksum(c.runtime_api + " " + get(env, "AWS_LAMBDA_FUNCTION_NAME")));
  }
  return c;
}

}  // namespace lambdascope::lambda::extension
