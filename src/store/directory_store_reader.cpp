#include "store/directory_store_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/sink.hpp"

namespace lambdascope::store {
namespace fs = std::filesystem;

namespace {

class FileFetcher : public ObjectFetcher {
 public:
  explicit FileFetcher(std::string root) : root_(std::move(root)) {}
  std::string fetch(const StoredObject& object) override {
    std::string path = root_ + "/" + object.key;
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) throw StoreError("cannot open " + path, false);
    std::stringstream s;
    s << in.rdbuf();
    if (in.bad()) throw StoreError("cannot read " + path, false);
    return s.str();
  }

 private:
  std::string root_;
};

// The first `depth` '/'-separated components of `folder` ("fn/2025/11/21/08/").
std::string first_components(const std::string& folder, int depth) {
  size_t at = 0;
  for (int i = 0; i < depth; ++i) {
    at = folder.find('/', at);
    if (at == std::string::npos) return folder;
    ++at;
  }
  return folder.substr(0, at - 1);
}

}  // namespace

DirectoryStoreReader::DirectoryStoreReader(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (!fs::is_directory(root_)) throw StoreError(root_ + ": not a directory", false);
}

std::unique_ptr<ObjectFetcher> DirectoryStoreReader::fetcher() {
  return std::make_unique<FileFetcher>(root_);
}

std::vector<std::string> DirectoryStoreReader::list_functions() {
  std::vector<std::string> out;
  ++list_calls_;
  for (const auto& e : fs::directory_iterator(root_)) {
    if (e.is_directory() && e.path().filename().string()[0] != '.')
      out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void DirectoryStoreReader::list_function(const std::string& function, const ProfileQuery& query,
                                         std::vector<StoredObject>& out) {
  fs::path dir = fs::path(root_) / function;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::string since = query.since_ms ? hour_folder("", function, *query.since_ms) : "";
  std::string until = query.until_ms ? hour_folder("", function, *query.until_ms) : "";
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; it != end; it.increment(ec)) {
    if (ec) throw StoreError(dir.string() + ": " + ec.message(), false);
    std::string rel = fs::path(it->path()).lexically_relative(root_).string();
    if (it->is_directory()) {
      ++list_calls_;
      // Time folders sort like times (fixed width), so a folder wholly before `since` or after `until`
      // is skipped without being read.
      int depth = static_cast<int>(std::count(rel.begin(), rel.end(), '/')) + 1;
      if ((!since.empty() && rel < first_components(since, depth)) ||
          (!until.empty() && rel > first_components(until, depth))) {
        it.disable_recursion_pending();
      }
      continue;
    }
    auto key = parse_object_key(rel, "");
    if (!key || key->function != function) {
      ++foreign_objects_;
      continue;
    }
    out.push_back({rel, *key, static_cast<int64_t>(it->file_size(ec)), it->is_symlink(ec)});
  }
}

}  // namespace lambdascope::store
