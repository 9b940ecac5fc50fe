#include "lambda/extension/ring_directory.hpp"

namespace lambdascope::lambda::extension {

namespace {

uint32_t crc_step(uint32_t crc, uint8_t byte) {
  crc ^= static_cast<uint32_t>(byte) << 24;
  for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
  return crc;
}

}  // namespace

uint32_t posix_cksum(std::string_view data) {
  uint32_t crc = 0;
  for (char c : data) crc = crc_step(crc, static_cast<uint8_t>(c));
  // The length, least significant byte first, only as many bytes as it needs.
  for (uint64_t n = data.size(); n != 0; n >>= 8) crc = crc_step(crc, static_cast<uint8_t>(n & 0xff));
  return ~crc;
}

std::string ring_directory(const std::string& ring_dir_env, const std::string& runtime_api,
                           const std::string& function_name) {
  if (!ring_dir_env.empty()) return ring_dir_env;
  return "/tmp/lambdascope-rings/" + std::to_string(posix_cksum(runtime_api + " " + function_name));
}

}  // namespace lambdascope::lambda::extension
