#include "formats/perf_script_header.hpp"

#include "formats/perf_script_lines.hpp"

namespace lambdascope::formats::perf_script {

namespace {

// The number after "<key> = " in an "# event" line, e.g. "{ sample_period, sample_freq } = 99".
bool number_after(std::string_view s, std::string_view key, uint64_t* out) {
  size_t p = s.find(key);
  if (p == std::string_view::npos) return false;
  p += key.size();
  while (p < s.size() && s[p] == ' ') ++p;
  if (p >= s.size() || s[p] != '=') return false;
  ++p;
  while (p < s.size() && s[p] == ' ') ++p;
  uint64_t v = 0;
  size_t digits = 0;
  for (; p < s.size() && s[p] >= '0' && s[p] <= '9' && digits < 19; ++p, ++digits) v = v * 10 + (s[p] - '0');
  if (digits == 0) return false;
  *out = v;
  return true;
}

HeaderEvent parse_event(std::string_view v) {
  HeaderEvent e;
  uint64_t n;
  if (v.starts_with("name = ")) {
    std::string_view rest = v.substr(7);
    e.name = std::string(trim(rest.substr(0, rest.find(','))));
  }
  if (number_after(v, "{ sample_period, sample_freq }", &n) || number_after(v, "sample_period", &n) ||
      number_after(v, "sample_freq", &n)) {
    e.value = n;
    e.has_value = true;
  }
  // ", freq = 1": the value above is a frequency (perf record -F).
  for (size_t p = v.find("freq = 1"); p != std::string_view::npos; p = v.find("freq = 1", p + 1)) {
    if (p >= 2 && v.substr(p - 2, 2) == ", ") e.freq = true;
  }
  return e;
}

}  // namespace

void Header::add_line(std::string_view line) {
  std::string_view key, value;
  if (!parse_header_line(line, &key, &value)) return;
  auto set = [&](std::string_view k) { attributes.emplace_back(std::string(k), std::string(value)); };
  if (key == "cmdline") {
    set(profile::attr::kCommand);
  } else if (key == "hostname") {
    set(profile::attr::kHostname);
  } else if (key == "captured on") {
    set(profile::attr::kCapturedOn);
  } else if (key == "os release") {
    set("os_release");
  } else if (key == "perf version") {
    set("perf_version");
  } else if (key == "arch") {
    set("arch");
  } else if (key == "cpudesc") {
    set("cpu");
  } else if (key == "nrcpus online") {
    set("cpus_online");
  } else if (key == "event") {
    HeaderEvent e = parse_event(value);
    if (!e.name.empty()) events.push_back(std::move(e));
  } else if (key == "time of first sample") {
    int64_t ns;
    if (parse_seconds_ns(value, &ns)) first_sample_ns = ns;
  } else if (key == "time of last sample") {
    int64_t ns;
    if (parse_seconds_ns(value, &ns)) last_sample_ns = ns;
  }
}

const HeaderEvent* Header::find_event(std::string_view base_name) const {
  for (const HeaderEvent& e : events)
    if (e.name == base_name) return &e;
  return nullptr;
}

}  // namespace lambdascope::formats::perf_script
