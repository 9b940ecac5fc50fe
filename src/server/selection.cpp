#include "server/selection.hpp"

#include <charconv>
#include <cmath>

namespace lambdascope::server {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s, const std::string& parameter) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1, lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
      if (lo < 0) throw BadParameter(parameter, "bad %-escape in " + parameter);
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

int64_t non_negative_integer(const Params& params, const std::string& name, int64_t fallback) {
  auto v = single(params, name);
  if (!v) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < 0)
    throw BadParameter(name, name + " must be a non-negative integer, got '" + *v + "'");
  return n;
}

std::optional<double> seconds(const Params& params, const std::string& name) {
  auto v = single(params, name);
  if (!v) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (ec != std::errc() || end != v->data() + v->size() || !std::isfinite(d))
    throw BadParameter(name, name + " must be a number of seconds, got '" + *v + "'");
  return d;
}
}  // namespace

Params parse_query_string(const std::string& text, const std::string& parameter) {
  Params out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('&', at);
    if (end == std::string::npos) end = text.size();
    std::string_view part(text.data() + at, end - at);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string name = decode(part.substr(0, eq), parameter);
      out.emplace(name, eq == std::string_view::npos ? "" : decode(part.substr(eq + 1), parameter));
    }
    at = end + 1;
  }
  return out;
}

std::optional<std::string> single(const Params& params, const std::string& name) {
  auto [first, last] = params.equal_range(name);
  if (first == last) return std::nullopt;
  if (std::next(first) != last) throw BadParameter(name, name + " is given more than once");
  return first->second;
}

Selection parse_selection(const Params& params, int64_t now_ms) {
  Selection s;
  s.query.function = single(params, "function").value_or("");
  for (const char* name : {"since", "until"}) {
    auto v = single(params, name);
    if (!v) continue;
    try {
      (name[0] == 's' ? s.query.since_ms : s.query.until_ms) = store::parse_time_flag(*v, now_ms);
    } catch (const std::invalid_argument& e) {
      throw BadParameter(name, std::string(name) + ": " + e.what());
    }
  }
  s.query.phase = single(params, "phase").value_or("");
  if (!s.query.phase.empty() && s.query.phase != "init" && s.query.phase != "invoke")
    throw BadParameter("phase", "phase must be init or invoke, got '" + s.query.phase + "'");
  // Objects a runtime left in the extension's inbox have a type (cpu, heap, ...); "agent" is the extension's
  // own.
  s.query.profile_type = single(params, "profile_type").value_or("");
  if (params.count("min_duration")) s.query.min_duration_ms = non_negative_integer(params, "min_duration", 0);
  if (params.count("max_duration")) s.max_duration_ms = non_negative_integer(params, "max_duration", 0);
  for (auto [it, end] = params.equal_range("key"); it != end; ++it) s.keys.push_back(it->second);
  s.file = single(params, "file").value_or("");
  s.from_s = seconds(params, "from");
  s.to_s = seconds(params, "to");
  if ((s.from_s || s.to_s) && s.file.empty())
    throw BadParameter(s.from_s ? "from" : "to", "from and to select a time range of a file; give file too");
  if (!s.file.empty() && (!s.keys.empty() || !s.query.function.empty()))
    throw BadParameter("file", "file selects a profile file; it does not combine with function or key");
  return s;
}

std::vector<const Invocation*> resolve(const Listing& listing, const Selection& s) {
  std::vector<const Invocation*> out;
  auto keep = [&](const Invocation& inv) {
    const store::ProfileKey& k = inv.object.profile;
    return s.query.matches(k) && (!s.max_duration_ms || k.duration_ms <= *s.max_duration_ms);
  };
  if (!s.keys.empty()) {
    for (const std::string& key : s.keys) {
      auto it = listing.by_key.find(key);
      if (it == listing.by_key.end()) throw NotFound("no stored profile has the key " + key);
      if (keep(listing.invocations[it->second])) out.push_back(&listing.invocations[it->second]);
    }
    return out;
  }
  if (!s.query.function.empty()) {
    auto it = listing.by_function.find(s.query.function);
    if (it == listing.by_function.end())
      throw NotFound("no stored profile of the function " + s.query.function);
    for (size_t i : it->second)
      if (keep(listing.invocations[i])) out.push_back(&listing.invocations[i]);
    return out;
  }
  for (const Invocation& inv : listing.invocations)
    if (keep(inv)) out.push_back(&inv);
  return out;
}

const ProfileFile& resolve_file(const Listing& listing, const Selection& s) {
  auto it = listing.file_by_name.find(s.file);
  if (it == listing.file_by_name.end()) throw NotFound("no served file is named " + s.file);
  return listing.files[it->second];
}

}  // namespace lambdascope::server
