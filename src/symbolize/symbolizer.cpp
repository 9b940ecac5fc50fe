#include "symbolize/symbolizer.hpp"

#include <cinttypes>
#include <cstdio>

#include "symbolize/demangle.hpp"
#include "symbolize/python_frames.hpp"

namespace lambdascope::symbolize {

std::string hex_bytes(const std::string& raw) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : raw) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

namespace {

std::string basename_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string offset_name(const std::string& path, uint64_t addr) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "+0x%" PRIx64, addr);
  return "[" + basename_of(path) + buf + "]";
}

}  // namespace

Symbolizer::Symbolizer(SymbolizeOptions options) : options_(std::move(options)) {}
Symbolizer::~Symbolizer() = default;

Symbolizer::FileEntry* Symbolizer::file_for(const MappingSpan& m) {
  std::string key =
      m.build_id.empty() ? "p:" + m.path + ":" + std::to_string(m.inode) : "b:" + hex_bytes(m.build_id);
  auto it = files_.find(key);
  if (it != files_.end()) return it->second.get();
  auto entry = std::make_unique<FileEntry>();
  std::string error;
  entry->symbols = ElfSymbols::load(m.path, options_.debug_dirs, &error);
  // A file replaced on disk since it was mapped would give wrong names: insist on the same build id.
  if (entry->symbols != nullptr && !m.build_id.empty() && entry->symbols->build_id() != hex_bytes(m.build_id))
    entry->symbols = nullptr;
  if (entry->symbols != nullptr) ++stats_.files_loaded;
  return files_.emplace(key, std::move(entry)).first->second.get();
}

PerfMap* Symbolizer::perf_map_for(int pid) {
  auto it = perf_maps_.find(pid);
  if (it == perf_maps_.end()) {
    auto map = std::make_unique<PerfMap>(options_.perf_map_dir + "/perf-" + std::to_string(pid) + ".map");
    if (!map->reload()) map.reset();
    it = perf_maps_.emplace(pid, std::move(map)).first;
  }
  return it->second.get();
}

std::vector<SymFrame> Symbolizer::symbolize_in_file(FileEntry& f, const MappingSpan& m, uint64_t vaddr) {
  const ElfSymbol* sym = f.symbols->find(vaddr);
  std::string name = sym != nullptr
                         ? (options_.demangle ? demangle(f.symbols->name(*sym)) : f.symbols->name(*sym))
                         : offset_name(m.path, vaddr);
  if (sym == nullptr) ++stats_.unresolved;
  std::vector<SymFrame> frames;
  if (options_.lines) {
    if (!f.dwarf_tried) {
      f.dwarf_tried = true;
      f.dwarf = DwarfSource::open(f.symbols->dwarf_file());
    }
    if (f.dwarf != nullptr) {
      for (const SourceFrame& s : f.dwarf->lookup(vaddr)) {
        SymFrame fr;
        fr.module = m.path;
        fr.file = s.file;
        fr.line = s.line;
        if (s.inlined) {
          fr.name = options_.demangle ? demangle(s.function) : s.function;
          fr.kind = profile::FrameKind::kInlined;
        } else {
          fr.name = sym != nullptr || s.function.empty()
                        ? name
                        : (options_.demangle ? demangle(s.function) : s.function);
        }
        frames.push_back(std::move(fr));
      }
      if (!frames.empty() && frames.back().kind == profile::FrameKind::kInlined) {
        // DWARF without the enclosing subprogram: close with the symbol.
        frames.push_back({name, m.path, "", 0, profile::FrameKind::kNative});
      }
    }
  }
  if (frames.empty()) frames.push_back({name, m.path, "", 0, profile::FrameKind::kNative});
  return frames;
}

const std::vector<SymFrame>& Symbolizer::symbolize(int pid, const MappingSpan* m, uint64_t pc,
                                                   bool return_address) {
  ++stats_.lookups;
  uint64_t addr = return_address ? pc - 1 : pc;
  scratch_.clear();
  if (m != nullptr && m->is_file()) {
    FileEntry* f = file_for(*m);
    uint64_t offset = addr - m->start + m->offset;
    uint64_t vaddr;
    if (f->symbols != nullptr && f->symbols->offset_to_vaddr(offset, &vaddr)) {
      auto it = f->by_vaddr.find(vaddr);
      if (it != f->by_vaddr.end()) {
        ++stats_.cache_hits;
        return it->second;
      }
      return f->by_vaddr.emplace(vaddr, symbolize_in_file(*f, *m, vaddr)).first->second;
    }
    ++stats_.unresolved;
    scratch_.push_back({offset_name(m->path, offset), m->path, "", 0, profile::FrameKind::kNative});
    return scratch_;
  }
  // Code outside any file: JIT code, described (if at all) by the runtime's perf map.
  if (PerfMap* map = perf_map_for(pid)) {
    const std::string* name = map->find(addr);
    if (name == nullptr) {
      map->reload();  // written while we were reading it
      name = map->find(addr);
    }
    if (name != nullptr) {
      scratch_.push_back({*name, "[jit]", "", 0, profile::FrameKind::kJit});
      python_frame_from_perf_map(&scratch_.back());
      return scratch_;
    }
  }
  ++stats_.unresolved;
  if (m == nullptr) {
    scratch_.push_back({"[unknown]", "", "", 0, profile::FrameKind::kNative});
  } else if (!m->path.empty() && m->path[0] == '[') {
    scratch_.push_back({m->path, m->path, "", 0, profile::FrameKind::kNative});  // [vdso], [vsyscall]
  } else {
    // Anonymous or memfd code without a perf map entry: JIT code we cannot name.
    scratch_.push_back({"[jit]", m->path.empty() ? "[anon]" : m->path, "", 0, profile::FrameKind::kJit});
  }
  return scratch_;
}

}  // namespace lambdascope::symbolize
