// Turns sampled PCs into frames, in the reading process (never in the profiled one): ELF symbols of the
// mapped file (and its debug file), DWARF lines and inline frames when asked, perf-PID.map entries for JIT
// code, demangled. Return addresses are looked up at pc-1 so calls at the end of a function resolve to it.
// Everything expensive is cached by build id (or path and inode when there is none): each file is read
// once, each (file, address) symbolized once, however many samples and processes share it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/frame.hpp"
#include "symbolize/dwarf_source.hpp"
#include "symbolize/elf_symbols.hpp"
#include "symbolize/perf_map.hpp"
#include "symbolize/process_maps.hpp"

namespace lambdascope::symbolize {

struct SymbolizeOptions {
  bool lines = false;  // DWARF file:line and inline frames
  bool demangle = true;
  std::vector<std::string> debug_dirs = {"/usr/lib/debug"};
  std::string perf_map_dir = "/tmp";  // where perf-<pid>.map files are
};

struct SymFrame {
  std::string name;
  std::string module;  // the mapped file, or "[jit]" / "[anon]"
  std::string file;
  uint32_t line = 0;
  profile::FrameKind kind = profile::FrameKind::kNative;
};

struct SymbolizerStats {
  uint64_t lookups = 0;
  uint64_t cache_hits = 0;
  uint64_t files_loaded = 0;
  uint64_t unresolved = 0;
};

// Raw bytes (a build id as the agent read it) as lower-case hex.
std::string hex_bytes(const std::string& raw);

class Symbolizer {
 public:
  explicit Symbolizer(SymbolizeOptions options = {});
  ~Symbolizer();

  // Frames for `pc` of process `pid` (innermost first: inlined callees, then their function).
  // `return_address`: pc was pushed by a call (every frame but the interrupted one).
  const std::vector<SymFrame>& symbolize(int pid, const MappingSpan* mapping, uint64_t pc,
                                         bool return_address);

  const SymbolizerStats& stats() const { return stats_; }
  const SymbolizeOptions& options() const { return options_; }

 private:
  struct FileEntry {
    std::shared_ptr<const ElfSymbols> symbols;
    std::unique_ptr<DwarfSource> dwarf;
    bool dwarf_tried = false;
    std::unordered_map<uint64_t, std::vector<SymFrame>> by_vaddr;
  };
  FileEntry* file_for(const MappingSpan& m);
  PerfMap* perf_map_for(int pid);
  std::vector<SymFrame> symbolize_in_file(FileEntry& f, const MappingSpan& m, uint64_t vaddr);

  SymbolizeOptions options_;
  std::map<std::string, std::unique_ptr<FileEntry>> files_;  // by build id, or path + inode
  std::map<int, std::unique_ptr<PerfMap>> perf_maps_;
  std::vector<SymFrame> scratch_;
  SymbolizerStats stats_;
};

}  // namespace lambdascope::symbolize
