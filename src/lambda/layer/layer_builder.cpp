#include "lambda/layer/layer_builder.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "lambda/layer/glibc_requirements.hpp"
#include "lambda/layer/layer_scripts.hpp"
#include "lambda/layer/zip_writer.hpp"

extern char** environ;

namespace lambdascope::lambda::layer {

namespace {

namespace fs = std::filesystem;

struct Captured {
  int status = -1;  // exit code; 127 when the program could not be started
  std::string output;
};

// Runs argv[0] (searched on PATH) with stdout and stderr captured; no shell, so paths need no quoting.
Captured run_captured(const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int err = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  Captured result;
  if (err != 0) {
    ::close(pipe_fds[0]);
    result.status = 127;
    result.output = args[0] + ": " + std::strerror(err);
    return result;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return std::move(s).str();
}

// The file with its debug sections removed (symbols stay: they name frames). Without objcopy, the file as
// it is, and a warning.
std::string stripped(const std::string& path, std::vector<std::string>* warnings) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string temp =
      std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/lambdascope-strip-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0)
    throw std::runtime_error("cannot create a temporary file in " + temp + ": " + std::strerror(errno));
  ::close(fd);
  Captured r = run_captured({"objcopy", "--strip-debug", path, temp});
  std::string bytes;
  if (r.status == 0) {
    bytes = read_file(temp);
  } else {
    if (warnings != nullptr) {
      warnings->push_back("cannot strip " + path + " (objcopy: " + r.output.substr(0, r.output.find('\n')) +
                          "); packing it with its debug information");
    }
    bytes = read_file(path);
  }
  ::unlink(temp.c_str());
  return bytes;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

std::vector<SharedLibrary> parse_ldd_output(const std::string& text) {
  std::vector<SharedLibrary> libraries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t arrow = line.find(" => ");
    if (arrow == std::string::npos) continue;  // the vDSO, the loader, "statically linked"
    SharedLibrary lib;
    size_t begin = line.find_first_not_of(" \t");
    lib.soname = line.substr(begin, arrow - begin);
    std::string rest = line.substr(arrow + 4);
    if (!starts_with(rest, "not found")) {
      size_t paren = rest.rfind(" (0x");
      lib.path = rest.substr(0, paren);
    }
    libraries.push_back(std::move(lib));
  }
  return libraries;
}

std::vector<SharedLibrary> shared_libraries(const std::string& elf_path) {
  Captured r = run_captured({"ldd", elf_path});
  if (r.status != 0) {
    throw std::runtime_error("ldd " + elf_path + " failed (exit " + std::to_string(r.status) +
                             "): " + r.output);
  }
  std::vector<SharedLibrary> libraries = parse_ldd_output(r.output);
  for (const SharedLibrary& lib : libraries) {
    if (lib.path.empty())
      throw std::runtime_error(elf_path + " needs " + lib.soname + ", which ldd cannot find");
  }
  return libraries;
}

bool is_glibc_library(const std::string& soname) {
  static const char* const kGlibc[] = {"ld-linux",
                                       "libc.so.",
                                       "libm.so.",
                                       "libmvec.so.",
                                       "libpthread.so.",
                                       "libdl.so.",
                                       "librt.so.",
                                       "libresolv.so.",
                                       "libutil.so.",
                                       "libanl.so.",
                                       "libBrokenLocale.so.",
                                       "libnss_",
                                       "libthread_db.so.",
                                       "libc_malloc_debug.so.",
                                       "libnsl.so.1"};
  for (const char* prefix : kGlibc) {
    if (starts_with(soname, prefix)) return true;
  }
  return false;
}

bool is_cxx_runtime_library(const std::string& soname) {
  return starts_with(soname, "libstdc++.so.") || starts_with(soname, "libgcc_s.so.");
}

LayerPlan plan_layer(const LayerOptions& options) {
  for (const std::string& input : {options.binary, options.agent}) {
    std::error_code ec;
    if (!fs::is_regular_file(input, ec)) throw std::runtime_error(input + ": no such file");
  }
  LayerPlan plan;
  plan.entries.push_back(
      {"extensions/lambdascope", "", std::string(extension_launcher_script()), 0755, false});
  plan.entries.push_back({"lambdascope-wrapper", "", std::string(exec_wrapper_script()), 0755, false});
  plan.entries.push_back({"lib/liblambdascope-agent.so", options.agent, "", 0755, options.strip});
  plan.entries.push_back({"lambdascope/bin/lambdascope", options.binary, "", 0755, options.strip});

  std::set<std::string> seen;
  for (const SharedLibrary& lib : shared_libraries(options.binary)) {
    if (is_glibc_library(lib.soname) || !seen.insert(lib.soname).second) continue;
    if (is_cxx_runtime_library(lib.soname)) {
      // Debian's copy needs glibc 2.36, newer than Amazon Linux 2023's 2.34: the layer would not load there,
      // which nobody would see until the function runs on Lambda. Refuse now, naming the cause and the cure.
      throw std::runtime_error(options.binary + " (or one of its libraries) needs " + lib.soname +
                               ", the shared C++ runtime, which Lambda's Amazon Linux 2023 cannot load: this "
                               "lambdascope was built "
                               "without the Debian sources of simdjson and cpp-httplib that a layer's binary "
                               "links statically. Run "
                               "scripts/fetch_debian_sources.sh (make setup does), then rebuild");
    }
    plan.entries.push_back({"lambdascope/lib/" + lib.soname, lib.path, "", 0644, false});
  }
  return plan;
}

std::string build_layer_zip(const LayerPlan& plan, std::vector<std::string>* warnings) {
  ZipWriter zip;
  std::set<std::string> directories;
  for (const LayerEntry& e : plan.entries) {
    // Directory entries first, so unzip creates them with their modes.
    for (size_t slash = e.name.find('/'); slash != std::string::npos; slash = e.name.find('/', slash + 1)) {
      std::string dir = e.name.substr(0, slash + 1);
      if (directories.insert(dir).second) zip.add_directory(dir);
    }
    if (!e.source.empty() && warnings != nullptr) {
      std::string needed = newest_glibc_required(e.source);
      auto version = parse_glibc_version(needed);
      if (version && *version > kLambdaGlibc) {
        warnings->push_back(
            e.name + " requires " + needed + ": the layer will not load on Amazon Linux 2023 (glibc " +
            std::to_string(kLambdaGlibc.first) + "." + std::to_string(kLambdaGlibc.second) + ")");
      }
    }
    // fs::canonical: ldd names the symlink (libz.so.1); the zip gets the file it points to, as a real file.
    std::string bytes = !e.source.empty() ? (e.strip ? stripped(fs::canonical(e.source).string(), warnings)
                                                     : read_file(fs::canonical(e.source).string()))
                                          : e.bytes;
    zip.add_file(e.name, bytes, e.mode);
  }
  return zip.finish();
}

}  // namespace lambdascope::lambda::layer
