// A Lambda custom runtime in C++: the `bootstrap` of an OS-only (provided.al2023) function.
//
// It speaks the Runtime API directly (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
// GET /next blocks until Lambda has an event (no client timeout: the process is frozen in between), the
// handler runs, and POST /response or /error answers it. _HANDLER picks the handler; an unknown one is
// reported with POST /init/error, as a runtime must.
//
// Handlers:
//   handler  the event's "action" decides: "work" (CPU-bound, {"iterations": N}), "sleep" ({"ms": N}),
//            "burn" (CPU for {"ms": N} in the function named by {"fn": "burn_r00".."burn_r19"}),
//            "error" (a function error), "crash" (the process exits), anything else echoes the event
//   work     always the CPU-bound work
//   echo     always echoes
//
// Locally it is built against the system's libcpp-httplib; for a real Lambda, link it statically.
#include <fmt/format.h>
#include <httplib.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct Invocation {
  std::string request_id, payload, function_arn, trace_id;
  int64_t deadline_ms = 0;
};

struct FunctionError : std::runtime_error {
  std::string type;
  FunctionError(std::string t, const std::string& message)
      : std::runtime_error(message), type(std::move(t)) {}
};

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// ---- The work: a few distinct functions, so a profile of this runtime has a shape ----------------------

__attribute__((noinline)) uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

__attribute__((noinline)) uint64_t hash_rounds(uint64_t seed, int64_t rounds) {
  uint64_t h = seed;
  for (int64_t i = 0; i < rounds; ++i) h = mix(h + static_cast<uint64_t>(i));
  return h;
}

__attribute__((noinline)) int64_t count_primes(int64_t limit) {
  std::vector<bool> composite(static_cast<size_t>(limit) + 1);
  int64_t count = 0;
  for (int64_t i = 2; i <= limit; ++i) {
    if (composite[static_cast<size_t>(i)]) continue;
    ++count;
    for (int64_t j = i * i; j <= limit; j += i) composite[static_cast<size_t>(j)] = true;
  }
  return count;
}

// Twenty functions with their own names and their own loops, so a profile of one invocation can be told
// from another's by name (the profiler's tests send a different "fn" to each invocation). The loop is
// inlined into each (no shared callee that a tail call could leave alone on the stack).
[[gnu::always_inline]] inline uint64_t spin_for(int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  uint64_t x = 1;
  while (std::chrono::steady_clock::now() < until)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x;
}

#define LS_BURNER(n)                                         \
  __attribute__((noinline)) uint64_t burn_r##n(int64_t ms) { \
    return spin_for(ms);                                     \
  }
LS_BURNER(00)
LS_BURNER(01)
LS_BURNER(02)
LS_BURNER(03)
LS_BURNER(04)
LS_BURNER(05)
LS_BURNER(06)
LS_BURNER(07)
LS_BURNER(08)
LS_BURNER(09)
LS_BURNER(10)
LS_BURNER(11)
LS_BURNER(12)
LS_BURNER(13)
LS_BURNER(14)
LS_BURNER(15)
LS_BURNER(16)
LS_BURNER(17)
LS_BURNER(18)
LS_BURNER(19)
#undef LS_BURNER

using Burner = uint64_t (*)(int64_t);
const std::pair<std::string_view, Burner> kBurners[] = {
    {"burn_r00", burn_r00}, {"burn_r01", burn_r01}, {"burn_r02", burn_r02}, {"burn_r03", burn_r03},
    {"burn_r04", burn_r04}, {"burn_r05", burn_r05}, {"burn_r06", burn_r06}, {"burn_r07", burn_r07},
    {"burn_r08", burn_r08}, {"burn_r09", burn_r09}, {"burn_r10", burn_r10}, {"burn_r11", burn_r11},
    {"burn_r12", burn_r12}, {"burn_r13", burn_r13}, {"burn_r14", burn_r14}, {"burn_r15", burn_r15},
    {"burn_r16", burn_r16}, {"burn_r17", burn_r17}, {"burn_r18", burn_r18}, {"burn_r19", burn_r19},
};

int64_t int_field(simdjson::dom::element event, const char* key, int64_t fallback) {
  int64_t v;
  if (event[key].get(v)) return fallback;
  return v;
}

std::string do_work(const Invocation& inv, simdjson::dom::element event) {
  int64_t iterations = int_field(event, "iterations", 200000);
  uint64_t h = hash_rounds(static_cast<uint64_t>(iterations), iterations);
  int64_t primes = count_primes(iterations);
  return fmt::format(R"({{"requestId":{},"hash":"{:016x}","primes":{}}})", quote(inv.request_id), h, primes);
}

std::string handle(const std::string& handler, const Invocation& inv) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(inv.payload);
  simdjson::dom::element event;
  if (parser.parse(padded).get(event)) throw FunctionError("Function.InvalidEvent", "the event is not JSON");
  std::string_view action = "echo";
  if (handler == "work") {
    action = "work";
  } else if (handler == "handler") {
    std::string_view a;
    if (!event["action"].get(a)) action = a;
  }
  if (action == "work") return do_work(inv, event);
  if (action == "burn") {
    std::string_view fn;
    if (event["fn"].get(fn)) throw FunctionError("Function.InvalidEvent", "burn needs \"fn\"");
    for (const auto& [name, burn] : kBurners) {
      if (name != fn) continue;
      uint64_t x = burn(int_field(event, "ms", 200));
      return fmt::format(R"({{"requestId":{},"fn":{},"x":{},"pid":{}}})", quote(inv.request_id),
                         quote(std::string(fn)), x, static_cast<int>(getpid()));
    }
    throw FunctionError("Function.InvalidEvent", "no function named " + std::string(fn));
  }
  if (action == "sleep") {
    std::this_thread::sleep_for(std::chrono::milliseconds(int_field(event, "ms", 100)));
    return fmt::format(R"({{"requestId":{},"slept":true}})", quote(inv.request_id));
  }
  if (action == "error") throw FunctionError("Function.SampleError", "the event asked for an error");
  if (action == "crash") {
    std::fprintf(stderr, "crashing as the event asked\n");
    std::exit(3);
  }
  return fmt::format(R"({{"requestId":{},"event":{}}})", quote(inv.request_id), inv.payload);
}

std::string error_json(const std::string& type, const std::string& message) {
  return fmt::format(R"({{"errorMessage":{},"errorType":{},"stackTrace":[]}})", quote(message), quote(type));
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  const char* handler_env = std::getenv("_HANDLER");
  if (!api) {
    std::fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set: run me inside Lambda or lambdascope local\n");
    return 1;
  }
  std::string address = api;
  size_t colon = address.rfind(':');
  httplib::Client client(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // headers and body go out as separate writes: don't let Nagle hold the body
  client.set_read_timeout(std::chrono::hours(24));  // /next blocks for as long as there is no event
  const std::string base = "/2018-06-01/runtime";

  std::string handler = handler_env ? handler_env : "handler";
  if (handler != "handler" && handler != "work" && handler != "echo") {
    std::string body =
        error_json("Runtime.HandlerNotFound", "no handler named '" + handler + "' in this bootstrap");
    client.Post(base + "/init/error", {{"Lambda-Runtime-Function-Error-Type", "Runtime.HandlerNotFound"}},
                body, "application/json");
    return 1;
  }
  std::printf("cpp-bootstrap: ready (handler %s)\n", handler.c_str());
  std::fflush(stdout);

  while (true) {
    auto next = client.Get(base + "/invocation/next");
    if (!next || next->status != 200) {
      std::fprintf(stderr, "GET /next failed: %s\n",
                   next ? std::to_string(next->status).c_str() : "no answer");
      return 1;
    }
    Invocation inv;
    inv.request_id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
    inv.function_arn = next->get_header_value("Lambda-Runtime-Invoked-Function-Arn");
    inv.trace_id = next->get_header_value("Lambda-Runtime-Trace-Id");
    inv.deadline_ms = std::atoll(next->get_header_value("Lambda-Runtime-Deadline-Ms").c_str());
    inv.payload = next->body;
    if (!inv.trace_id.empty()) setenv("_X_AMZN_TRACE_ID", inv.trace_id.c_str(), 1);
    try {
      std::string response = handle(handler, inv);
      client.Post(base + "/invocation/" + inv.request_id + "/response", response, "application/json");
    } catch (const FunctionError& e) {
      client.Post(base + "/invocation/" + inv.request_id + "/error",
                  {{"Lambda-Runtime-Function-Error-Type", e.type}}, error_json(e.type, e.what()),
                  "application/json");
    } catch (const std::exception& e) {
      client.Post(base + "/invocation/" + inv.request_id + "/error",
                  {{"Lambda-Runtime-Function-Error-Type", "Runtime.UnhandledException"}},
                  error_json("Runtime.UnhandledException", e.what()), "application/json");
    }
  }
}
