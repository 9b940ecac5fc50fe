#include "store/directory_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace lambdascope::store {
namespace fs = std::filesystem;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

DirectorySink::DirectorySink(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_)) {
    throw StoreError("cannot create directory " + root_ + ": " + (ec ? ec.message() : "not a directory"),
                     false);
  }
}

void DirectorySink::put(const std::string& key, std::string_view body, const ObjectMetadata&) {
  // Keys come from object_key(); still, never write outside the root.
  fs::path rel = fs::path(key).lexically_normal();
  if (key.empty() || rel.is_absolute() || rel.begin()->string() == "..") {
    throw StoreError("refusing key '" + key + "' outside " + root_, false);
  }
  fs::path target = fs::path(root_) / rel;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw StoreError("cannot create " + target.parent_path().string() + ": " + ec.message(), true);

  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string temp = target.parent_path().string() + "/." + target.filename().string() + "." +
                     std::to_string(rng()) + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw StoreError("cannot write " + temp + ": " + errno_text(), true);
  size_t done = 0;
  while (done < body.size()) {
    ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      throw StoreError("cannot write " + temp + ": " + why, true);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temp.c_str(), target.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(temp.c_str());
    throw StoreError("cannot store " + target.string() + ": " + why, true);
  }
}

}  // namespace lambdascope::store
