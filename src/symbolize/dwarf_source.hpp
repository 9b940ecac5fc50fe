// Source lines and inline frames from DWARF, with elfutils' libdwfl over one file (offline). Used only when
// asked (record --lines): DWARF is large and slow to index compared with symbol tables.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lambdascope::symbolize {

struct SourceFrame {
  std::string function;  // linkage name when DWARF has one (mangled), else the plain name
  std::string file;
  uint32_t line = 0;
  bool inlined = false;
};

class DwarfSource {
 public:
  // `path` is the file with the DWARF (the binary or its separate debug file). nullptr when it has none.
  static std::unique_ptr<DwarfSource> open(const std::string& path);
  ~DwarfSource();
  DwarfSource(const DwarfSource&) = delete;
  DwarfSource& operator=(const DwarfSource&) = delete;

  // Frames at ELF address `vaddr`, innermost first: inlined callees, then the function that contains them.
  // Empty when the address has no DWARF.
  std::vector<SourceFrame> lookup(uint64_t vaddr) const;

 private:
  DwarfSource() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lambdascope::symbolize
