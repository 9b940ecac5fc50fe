#include "symbolize/dwarf_source.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace lambdascope::symbolize {

namespace {

char* g_no_debuginfo_path = nullptr;
// We hand libdwfl the file that has the DWARF already; it must not go looking elsewhere.
const Dwfl_Callbacks kCallbacks = {
    dwfl_build_id_find_elf,
    [](Dwfl_Module*, void**, const char*, Dwarf_Addr, const char*, const char*, GElf_Word, char**) {
      return -1;
    },
    dwfl_offline_section_address,
    &g_no_debuginfo_path,
};

const char* die_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      if (const char* s = dwarf_formstring(&attr)) return s;
    }
  }
  return nullptr;
}

// Appends the scopes inside function or block `parent` whose code holds `pc` (inlined calls, blocks),
// outermost first.
void enclosing_scopes(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>* chain) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    switch (dwarf_tag(&child)) {
      case DW_TAG_inlined_subroutine:
      case DW_TAG_lexical_block:
      case DW_TAG_try_block:
      case DW_TAG_catch_block:
        if (dwarf_haspc(&child, pc) > 0) {
          chain->push_back(child);
          enclosing_scopes(&chain->back(), pc, chain);
          return;
        }
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

}  // namespace

struct DwarfSource::Impl {
  // Address ranges and the DIE each is code of, sorted by start: a file's units, or a unit's functions.
  class RangeIndex {
   public:
    void add(Dwarf_Die* die) {
      Dwarf_Addr base = 0, start = 0, end = 0;
      for (ptrdiff_t off = 0; (off = dwarf_ranges(die, off, &base, &start, &end)) > 0;)
        if (start < end) ranges_.push_back({start, end, dwarf_dieoffset(die)});
    }
    void sort() {
      std::sort(ranges_.begin(), ranges_.end(),
                [](const Range& a, const Range& b) { return a.start < b.start; });
    }
    bool find(Dwarf* dw, Dwarf_Addr addr, Dwarf_Die* out) const {
      auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                                 [](Dwarf_Addr a, const Range& r) { return a < r.start; });
      if (it == ranges_.begin()) return false;
      --it;
      return addr < it->end && dwarf_offdie(dw, it->die, out) != nullptr;
    }

   private:
    struct Range {
      Dwarf_Addr start;
      Dwarf_Addr end;
      Dwarf_Off die;
    };
    std::vector<Range> ranges_;
  };

  // The functions of the unit or namespace `parent`, looking inside namespaces, modules and classes (clang
  // and rustc put functions there; gcc at the unit's top level).
  static void index_functions(Dwarf_Die* parent, RangeIndex* index) {
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0) return;
    do {
      switch (dwarf_tag(&child)) {
        case DW_TAG_namespace:
        case DW_TAG_module:
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_union_type:
          index_functions(&child, index);
          break;
        case DW_TAG_subprogram:
          index->add(&child);  // a declaration has no ranges
          break;
        default:
          break;
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  Dwfl* dwfl = nullptr;
  Dwfl_Module* module = nullptr;
  Dwarf_Addr bias = 0;
  // libdw finds an address's unit through .debug_aranges, which clang and rustc do not write (elfutils before
  // 0.191 does not fall back to the units' own ranges), and its scope search stops at DIEs without an
  // address, as namespaces are, where clang and rustc put functions. For those, the units' ranges and each
  // unit's functions are indexed here, once, when first needed: a unit is read whole once, not at each
  // lookup.
  std::mutex mutex;
  bool units_indexed = false;
  RangeIndex units;
  std::unordered_map<Dwarf_Off, RangeIndex> unit_functions;
  ~Impl() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }

  Dwarf* dwarf() {
    Dwarf_Addr unused = 0;
    return dwfl_module_getdwarf(module, &unused);
  }

  // The unit whose code holds `addr` (a DWARF address, without the bias), by the units' own ranges.
  bool unit_at(Dwarf_Addr addr, Dwarf_Die* out) {
    Dwarf* dw = dwarf();
    if (dw == nullptr) return false;
    std::lock_guard lock(mutex);
    if (!units_indexed) {
      units_indexed = true;
      Dwarf_CU* cu = nullptr;
      Dwarf_Die cu_die;
      uint8_t unit_type = 0;
      while (dwarf_get_units(dw, cu, &cu, nullptr, &unit_type, &cu_die, nullptr) == 0)
        if (unit_type == DW_UT_compile || unit_type == DW_UT_partial || unit_type == DW_UT_skeleton)
          units.add(&cu_die);
      units.sort();
    }
    return units.find(dw, addr, out);
  }

  // The function of unit `cu` whose code holds `addr`, wherever in the unit's DIE tree it is.
  bool function_at(Dwarf_Die* cu, Dwarf_Addr addr, Dwarf_Die* out) {
    Dwarf* dw = dwarf();
    if (dw == nullptr) return false;
    std::lock_guard lock(mutex);
    auto [it, added] = unit_functions.try_emplace(dwarf_dieoffset(cu));
    if (added) {
      index_functions(cu, &it->second);
      it->second.sort();
    }
    return it->second.find(dw, addr, out);
  }
};

DwarfSource::~DwarfSource() = default;

std::unique_ptr<DwarfSource> DwarfSource::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->dwfl = dwfl_begin(&kCallbacks);
  if (impl->dwfl == nullptr) return nullptr;
  dwfl_report_begin(impl->dwfl);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  // libdwfl owns `fd` from here on.
  impl->module = dwfl_report_offline(impl->dwfl, path.c_str(), path.c_str(), fd);
  dwfl_report_end(impl->dwfl, nullptr, nullptr);
  if (impl->module == nullptr) return nullptr;
  if (dwfl_module_getdwarf(impl->module, &impl->bias) == nullptr) return nullptr;
  std::unique_ptr<DwarfSource> out(new DwarfSource());
  out->impl_ = std::move(impl);
  return out;
}

std::vector<SourceFrame> DwarfSource::lookup(uint64_t vaddr) const {
  std::vector<SourceFrame> frames;
  Dwarf_Addr addr = vaddr + impl_->bias;
  const char* file = nullptr;
  int line = 0;
  if (Dwfl_Line* l = dwfl_module_getsrc(impl_->module, addr))
    file = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
  Dwarf_Addr cu_bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(impl_->module, addr, &cu_bias);
  Dwarf_Die found_by_ranges;
  if (cu == nullptr && impl_->unit_at(addr - impl_->bias, &found_by_ranges)) {
    cu = &found_by_ranges;
    cu_bias = impl_->bias;
    if (Dwarf_Line* l = dwarf_getsrc_die(cu, addr - cu_bias); l != nullptr && file == nullptr) {
      file = dwarf_linesrc(l, nullptr, nullptr);
      dwarf_lineno(l, &line);
    }
  }
  if (cu == nullptr) {
    if (file != nullptr) frames.push_back({"", file, static_cast<uint32_t>(line), false});
    return frames;
  }
  Dwarf_Files* files = nullptr;
  size_t num_files = 0;
  dwarf_getsrcfiles(cu, &files, &num_files);
  // dwarf_getscopes continues from an inlined instance into its abstract origin's scopes; the concrete
  // callers are the DIE tree's ancestors of the innermost scope.
  std::vector<Dwarf_Die> chain;  // innermost first
  Dwarf_Die* scopes = nullptr;
  int n = dwarf_getscopes(cu, addr - cu_bias, &scopes);
  if (n > 0) {
    Dwarf_Die inner = scopes[0];
    free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&inner, &scopes);
    chain.assign(scopes, scopes + std::max(n, 0));
  }
  free(scopes);
  Dwarf_Die function;
  if (chain.empty() && impl_->function_at(cu, addr - cu_bias, &function)) {
    chain.push_back(function);
    enclosing_scopes(&function, addr - cu_bias, &chain);
    std::reverse(chain.begin(), chain.end());
  }
  for (Dwarf_Die& die : chain) {
    Dwarf_Die* scope = &die;
    int tag = dwarf_tag(scope);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) continue;
    const char* name = die_name(scope);
    frames.push_back({name != nullptr ? name : "", file != nullptr ? file : "", static_cast<uint32_t>(line),
                      tag == DW_TAG_inlined_subroutine});
    if (tag == DW_TAG_subprogram) break;
    // The call site of this inlined body is the position inside the next scope out.
    Dwarf_Attribute attr;
    Dwarf_Word value = 0;
    file = nullptr;
    line = 0;
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &attr), &value) == 0 && files != nullptr &&
        value < num_files)
      file = dwarf_filesrc(files, value, nullptr, nullptr);
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr), &value) == 0)
      line = static_cast<int>(value);
  }
  return frames;
}

}  // namespace lambdascope::symbolize
