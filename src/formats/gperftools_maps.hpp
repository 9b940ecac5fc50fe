// The memory map at the end of gperftools' legacy profiles (/proc/self/maps text, or pprof's brief
// "start-end file (@offset) build-id" form), read with pprof's rules (legacy_profile.go): only executable
// mappings, adjacent pieces of one file merged, the main binary first; and the module an address falls in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::formats::gperftools {

struct Mapping {
  uint64_t start = 0, limit = 0, offset = 0;
  std::string file, build_id;
};

// Lines that are not mappings (attributes, log lines, other sections) are skipped, as pprof skips them.
std::vector<Mapping> read_mappings(std::string_view text);

// The file of the mapping holding `address` ("" when none does). May correct a mapping's start, as pprof does
// for mappings whose first part was not reported.
std::string_view module_of(std::vector<Mapping>& mappings, uint64_t address);

bool parse_hex(std::string_view s, uint64_t& out);  // with or without "0x"; at most 64 bits
bool is_space(char c);                              // space or tab, not a line break
bool is_hex_digit(char c);

}  // namespace lambdascope::formats::gperftools
