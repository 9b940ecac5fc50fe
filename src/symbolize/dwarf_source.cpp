#include "symbolize/dwarf_source.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace lambdascope::symbolize {

struct DwarfSource::Impl {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* module = nullptr;
  Dwarf_Addr bias = 0;
  ~Impl() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }
};

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

}  // namespace

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
  if (cu == nullptr) {
    if (file != nullptr) frames.push_back({"", file, static_cast<uint32_t>(line), false});
    return frames;
  }
  Dwarf_Files* files = nullptr;
  size_t num_files = 0;
  dwarf_getsrcfiles(cu, &files, &num_files);
  // dwarf_getscopes continues from an inlined instance into its abstract origin's scopes; the concrete
  // callers are the DIE tree's ancestors of the innermost scope.
  Dwarf_Die* scopes = nullptr;
  int n = dwarf_getscopes(cu, addr - cu_bias, &scopes);
  if (n > 0) {
    Dwarf_Die inner = scopes[0];
    free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&inner, &scopes);
  }
  for (int i = 0; i < n; ++i) {
    Dwarf_Die* scope = &scopes[i];
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
  free(scopes);
  return frames;
}

}  // namespace lambdascope::symbolize
