#include "server/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "store/destination.hpp"

namespace lambdascope::server {
namespace fs = std::filesystem;

namespace {
constexpr auto kFullListingEvery = std::chrono::seconds(60);
constexpr int64_t kHourMs = 3'600'000;

bool inside(const fs::path& root, const fs::path& p) {
  std::error_code ec;
  fs::path real = fs::canonical(p, ec);
  if (ec) return false;
  auto r = root.begin(), q = real.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == real.end() || *q != *r) return false;
  return true;
}

// The regular files directly in `folder` that resolve inside it (a symlink out of the folder is not served).
void list_folder(const std::string& folder, std::vector<ProfileFile>& out) {
  std::error_code ec;
  fs::path root = fs::canonical(folder, ec);
  if (ec) return;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || !e.is_regular_file(ec) || !inside(root, e.path())) continue;
    out.push_back({name, e.path().string(), static_cast<int64_t>(e.file_size(ec))});
  }
}
}  // namespace

Catalog::Catalog(const std::vector<std::string>& sources) {
  for (const std::string& s : sources) {
    if (s.rfind("s3://", 0) == 0) {
      stores_.push_back({s, store::open_store_reader(s), {}});
    } else if (fs::is_regular_file(s)) {
      single_files_.push_back(s);
    } else if (fs::is_directory(s)) {
      // A directory is both: its subfolders a store in the key layout, its files profiles to open.
      stores_.push_back({s, store::open_store_reader(s), fs::canonical(s)});
      folders_.push_back(s);
    } else {
      throw std::invalid_argument(s + ": not a file, a directory or an s3:// prefix");
    }
  }
  newest_start_ms_.assign(stores_.size(), 0);
  foreign_.assign(stores_.size(), 0);
  refresh(true);
}

std::shared_ptr<const Listing> Catalog::listing(std::chrono::milliseconds max_age) {
  auto now = std::chrono::steady_clock::now();
  {
    std::shared_lock lock(listing_mutex_);
    if (now - last_refresh_ < max_age) return listing_;
  }
  std::unique_lock refreshing(refresh_mutex_, std::try_to_lock);
  if (refreshing.owns_lock()) {
    bool stale;
    {
      std::shared_lock lock(listing_mutex_);
      stale = std::chrono::steady_clock::now() - last_refresh_ >= max_age;
    }
    if (stale) refresh(now - last_full_ >= kFullListingEvery);
  }
  std::shared_lock lock(listing_mutex_);
  return listing_;
}

void Catalog::refresh(bool full) {
  auto started = std::chrono::steady_clock::now();
  if (full) known_.clear();
  bool changed = full;
  for (size_t s = 0; s < stores_.size(); ++s) {
    store::ProfileQuery q;
    // Incremental: from the hour before the newest profile seen (a profile is stored when it ends).
    if (!full && newest_start_ms_[s] > 0) q.since_ms = newest_start_ms_[s] / kHourMs * kHourMs - kHourMs;
    int64_t escaping = 0;
    for (store::StoredObject& o : stores_[s].reader->list(q)) {
      if (known_.count(o.key)) continue;
      // A symlink in a directory store that leads out of it is not ours to serve.
      const fs::path& root = stores_[s].root;
      if (!root.empty() && o.symlink && !inside(root, root / o.key)) {
        ++escaping;
        continue;
      }
      newest_start_ms_[s] = std::max(newest_start_ms_[s], o.profile.start_ms);
      std::string key = o.key;
      known_.try_emplace(std::move(key), Invocation{s, std::move(o)});
      changed = true;
    }
    if (full) foreign_[s] = stores_[s].reader->foreign_objects() + escaping;
  }
  std::vector<ProfileFile> files;
  for (const std::string& folder : folders_) list_folder(folder, files);
  for (const std::string& f : single_files_) {
    std::error_code ec;
    files.push_back({fs::path(f).filename().string(), fs::absolute(f).string(),
                     static_cast<int64_t>(fs::file_size(f, ec))});
  }
  std::sort(files.begin(), files.end(),
            [](const ProfileFile& a, const ProfileFile& b) { return a.name < b.name; });
  if (!changed && listing_ && files == listing_->files) {  // nothing new: keep the listing (and its indexes)
    std::unique_lock lock(listing_mutex_);
    last_refresh_ = started;
    return;
  }
  auto l = std::make_shared<Listing>();
  l->files = std::move(files);
  for (auto& [key, inv] : known_) l->invocations.push_back(inv);
  std::sort(l->invocations.begin(), l->invocations.end(), [](const Invocation& a, const Invocation& b) {
    const auto &x = a.object.profile, &y = b.object.profile;
    return std::tie(x.function, x.start_ms, a.object.key) < std::tie(y.function, y.start_ms, b.object.key);
  });
  for (size_t i = 0; i < l->invocations.size(); ++i) {
    l->by_function[l->invocations[i].object.profile.function].push_back(i);
    l->by_key[l->invocations[i].object.key] = i;
  }
  for (size_t i = 0; i < l->files.size(); ++i) l->file_by_name.try_emplace(l->files[i].name, i);
  for (int64_t f : foreign_) l->foreign_objects += f;
  std::unique_lock lock(listing_mutex_);
  l->refreshes = listing_ ? listing_->refreshes + 1 : 1;
  listing_ = std::move(l);
  last_refresh_ = started;
  if (full) last_full_ = started;
}

}  // namespace lambdascope::server
