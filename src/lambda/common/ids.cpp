#include "lambda/common/ids.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <ctime>
#include <mutex>
#include <random>

namespace lambdascope::lambda {

namespace {

uint64_t random64() {
  // One generator for the process, seeded from the OS; ids only need to be unique, not secret.
  static std::mutex mu;
  static std::mt19937_64 gen{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  std::lock_guard<std::mutex> lock(mu);
  return gen();
}

std::string hex(uint64_t v, int digits) {
  return fmt::format("{:0{}x}", v, digits);
}

}  // namespace

std::string new_uuid() {
  uint64_t hi = random64(), lo = random64();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                     lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string new_trace_id() {
  auto seconds = static_cast<uint64_t>(epoch_ms_now() / 1000);
  return fmt::format("Root=1-{}-{}{};Parent={};Sampled=0", hex(seconds, 8), hex(random64() >> 32, 8),
                     hex(random64(), 16), hex(random64(), 16));
}

std::string new_log_stream_name(const std::string& version) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:%Y/%m/%d}/[{}]{}{}", tm, version, hex(random64(), 16), hex(random64(), 16));
}

int64_t epoch_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t epoch_ns_now() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t to_epoch_ms(Clock::time_point t) {
  using namespace std::chrono;
  auto offset = duration_cast<milliseconds>(t - Clock::now()).count();
  return epoch_ms_now() + offset;
}

std::string iso8601_ms(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, static_cast<int>(epoch_ms % 1000));
}

std::string iso8601_ms(Clock::time_point t) {
  return iso8601_ms(to_epoch_ms(t));
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return static_cast<double>(us) / 1000.0;
}

}  // namespace lambdascope::lambda
