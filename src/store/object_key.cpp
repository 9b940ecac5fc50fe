#include "store/object_key.hpp"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

namespace lambdascope::store {
namespace {

std::string safe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) c = '-';
  }
  return out.empty() ? std::string("-") : out;
}

// The function folder keeps '_' (common in function names) but never a path separator.
std::string safe_function(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '-';
  }
  if (out.empty() || out == "." || out == "..") out = "-";
  return out;
}

std::string join_prefix(std::string_view prefix) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (!p.empty()) p += '/';
  return p;
}

bool parse_int(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::string hour_folder(std::string_view prefix, std::string_view function, int64_t ms) {
  using namespace std::chrono;
  sys_time<milliseconds> t{milliseconds(ms)};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  auto hour = duration_cast<hours>(t - day).count();
  return fmt::format("{}{}/{:04}/{:02}/{:02}/{:02}/", join_prefix(prefix), safe_function(function),
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hour);
}

std::string object_key(std::string_view prefix, const ProfileKey& key) {
  return fmt::format("{}{}_{}_{}_{}{}{}.pb.gz", hour_folder(prefix, key.function, key.start_ms), key.start_ms,
                     key.duration_ms < 0 ? 0 : key.duration_ms, safe(key.phase), safe(key.request_id),
                     key.profile_type.empty() ? "" : "_",
                     key.profile_type.empty() ? "" : safe(key.profile_type));
}

std::optional<ProfileKey> parse_object_key(std::string_view key, std::string_view prefix) {
  std::string p = join_prefix(prefix);
  if (key.substr(0, p.size()) != p) return std::nullopt;
  key.remove_prefix(p.size());
  // <function>/<YYYY>/<MM>/<DD>/<HH>/<name>
  size_t name_at = key.rfind('/');
  if (name_at == std::string_view::npos) return std::nullopt;
  std::string_view name = key.substr(name_at + 1);
  constexpr std::string_view kSuffix = ".pb.gz";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  name.remove_suffix(kSuffix.size());
  std::string_view folders = key.substr(0, name_at);
  // Four time folders after the function.
  size_t cut = folders.size();
  for (int i = 0; i < 4; ++i) {
    cut = folders.rfind('/', cut - 1);
    if (cut == std::string_view::npos || cut == 0) return std::nullopt;
  }
  ProfileKey out;
  out.function = std::string(folders.substr(0, cut));
  if (out.function.empty() || out.function.find('/') != std::string::npos) return std::nullopt;

  size_t a = name.find('_');
  size_t b = a == std::string_view::npos ? a : name.find('_', a + 1);
  size_t c = b == std::string_view::npos ? b : name.find('_', b + 1);
  if (c == std::string_view::npos) return std::nullopt;
  if (!parse_int(name.substr(0, a), out.start_ms) ||
      !parse_int(name.substr(a + 1, b - a - 1), out.duration_ms)) {
    return std::nullopt;
  }
  out.phase = std::string(name.substr(b + 1, c - b - 1));
  out.request_id = std::string(name.substr(c + 1));
  // A fourth '_' (never in a request id, object_key() replaces it) starts the profile type.
  if (size_t d = out.request_id.find('_'); d != std::string::npos) {
    out.profile_type = out.request_id.substr(d + 1);
    out.request_id.resize(d);
    if (out.profile_type.empty() || out.profile_type.find('_') != std::string::npos) return std::nullopt;
  }
  if (out.phase.empty() || out.request_id.empty()) return std::nullopt;
  // The time folders must be the ones the start time gives (a stray file elsewhere is not ours).
  if (hour_folder(prefix, out.function, out.start_ms) != std::string(p) + std::string(folders) + "/") {
    return std::nullopt;
  }
  return out;
}

}  // namespace lambdascope::store
