#include "symbolize/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace lambdascope::symbolize {

namespace {

// Rust legacy symbols demangle as C++ names whose last component is "h" + 16 hex digits (the hash), and
// encode punctuation as $...$ escapes and ".." for "::".
bool is_rust_hash(std::string_view s) {
  if (s.size() != 17 || s[0] != 'h') return false;
  for (char c : s.substr(1))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string unescape_rust_legacy(std::string_view s) {
  static const struct {
    const char* code;
    const char* text;
  } kEscapes[] = {{"$SP$", "@"},  {"$BP$", "*"},  {"$RF$", "&"},  {"$LT$", "<"},  {"$GT$", ">"},
                  {"$LP$", "("},  {"$RP$", ")"},  {"$C$", ","},   {"$u7e$", "~"}, {"$u20$", " "},
                  {"$u27$", "'"}, {"$u5b$", "["}, {"$u5d$", "]"}, {"$u7b$", "{"}, {"$u7d$", "}"},
                  {"$u3b$", ";"}, {"$u2b$", "+"}, {"$u22$", "\""}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '$') {
      bool done = false;
      for (const auto& e : kEscapes) {
        size_t n = std::strlen(e.code);
        if (s.compare(i, n, e.code) == 0) {
          out += e.text;
          i += n;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    if (s[i] == '.' && i + 1 < s.size() && s[i + 1] == '.') {
      out += "::";
      i += 2;
      continue;
    }
    out += s[i++];
  }
  return out;
}

}  // namespace

std::string demangle(std::string_view symbol) {
  if (symbol.size() > 2 && symbol[0] == '_' && symbol[1] == 'R') {
    std::string out;
    if (demangle_rust_v0(symbol, &out)) return out;
    return std::string(symbol);
  }
  if (symbol.size() < 3 || symbol[0] != '_' || symbol[1] != 'Z') return std::string(symbol);
  std::string mangled(symbol);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
                                           std::free);
  if (status != 0 || d == nullptr) return mangled;
  std::string out(d.get());
  if (symbol.substr(0, 3) == "_ZN") {
    size_t last = out.rfind("::");
    if (last != std::string::npos && is_rust_hash(std::string_view(out).substr(last + 2))) {
      out.resize(last);
      // Components starting with an escape carry a '_' in front ("_$u7b$..."), dropped when printed.
      std::string cleaned;
      size_t start = 0;
      while (start <= out.size()) {
        size_t end = out.find("::", start);
        if (end == std::string::npos) end = out.size();
        std::string_view part(out.data() + start, end - start);
        if (part.size() > 1 && part[0] == '_' && part[1] == '$') part.remove_prefix(1);
        if (start != 0) cleaned += "::";
        cleaned += part;
        start = end + 2;
      }
      out = unescape_rust_legacy(cleaned);
    }
  }
  return out;
}

}  // namespace lambdascope::symbolize
