// Function symbols of one ELF file, read with libelf: .symtab when the file has one, else the .symtab of its
// separate debug file (found by build id under the debug directories, or by .gnu_debuglink next to it, in
// its .debug/ folder, or under <debug dir>/<its folder>), else .dynsym. Also the file's build id and its
// PT_LOAD segments, to turn a file offset (what a mapping gives) into the addresses symbols use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lambdascope::symbolize {

struct ElfSymbol {
  uint64_t start = 0;
  uint64_t size = 0;
  uint32_t name = 0;    // offset into the file's string table (in_file) or into ElfSymbols::names
  uint8_t binding = 0;  // STB_*
  uint8_t in_file = 0;  // 1: the name is read from the file when asked for
};

class ElfSymbols {
 public:
  // Reads `path`; nullptr (and `error`) when it is not a readable ELF file.
  static std::shared_ptr<const ElfSymbols> load(const std::string& path,
                                                const std::vector<std::string>& debug_dirs,
                                                std::string* error);

  // The build id of `path` as lowercase hex, or "" (cheap: reads only the notes).
  static std::string read_build_id(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& build_id() const { return build_id_; }      // hex, "" when none
  const std::string& debug_file() const { return debug_file_; }  // the separate debug file used, or ""
  // The file whose DWARF describes this code: the debug file when there is one, else `path`.
  const std::string& dwarf_file() const { return debug_file_.empty() ? path_ : debug_file_; }
  const char* symbol_source() const { return source_; }  // "symtab", "debug symtab", "dynsym", "none"

  // File offset -> virtual address, through the PT_LOAD segment containing it.
  bool offset_to_vaddr(uint64_t offset, uint64_t* vaddr) const;
  // The function containing `vaddr`, or nullptr.
  const ElfSymbol* find(uint64_t vaddr) const;
  // The symbol's name, without a "@VERSION"/"@@VERSION" suffix (read from the file: one pread).
  std::string name(const ElfSymbol& s) const;
  size_t size() const { return symbols_.size(); }

 private:
  struct Segment {
    uint64_t offset, vaddr, filesz;
  };
  std::string path_, build_id_, debug_file_;
  const char* source_ = "none";
  std::vector<Segment> segments_;
  std::vector<ElfSymbol> symbols_;
  std::vector<char> names_;  // copied names, when the string table cannot be read from the file
  // The symbol file's string table, kept open: names are read (pread, through the page cache) only for
  // the symbols a profile hits, so a big binary's names (node's 7.5 MB) never take memory of ours.
  struct FileStrings;
  std::shared_ptr<const FileStrings> strings_;
};

// Where the separate debug file of an ELF file is, or "" (exposed for tests).
std::string find_debug_file(const std::string& path, const std::string& build_id,
                            const std::string& debuglink, const std::vector<std::string>& debug_dirs);

}  // namespace lambdascope::symbolize
