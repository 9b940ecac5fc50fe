#include "store/s3_store_reader.hpp"

namespace lambdascope::store {
namespace {

class S3Fetcher : public ObjectFetcher {
 public:
  S3Fetcher(const S3Config& config, std::string prefix) : client_(config), prefix_(std::move(prefix)) {}
  std::string fetch(const StoredObject& object) override {
    return client_.get_object(prefix_.empty() ? object.key : prefix_ + "/" + object.key);
  }

 private:
  S3Client client_;
  std::string prefix_;
};

}  // namespace

S3StoreReader::S3StoreReader(S3Config config, std::string prefix)
    : config_(std::move(config)), prefix_(std::move(prefix)), lister_(config_) {
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  while (!prefix_.empty() && prefix_.front() == '/') prefix_.erase(prefix_.begin());
}

std::unique_ptr<ObjectFetcher> S3StoreReader::fetcher() {
  return std::make_unique<S3Fetcher>(config_, prefix_);
}

std::string S3StoreReader::describe() const {
  return "s3://" + config_.bucket + (prefix_.empty() ? "" : "/" + prefix_);
}

std::vector<std::string> S3StoreReader::list_functions() {
  // The function folders, by a skip scan: list from the start, note the function folders of the page, then
  // start after the last one ("prof/api0" sorts after every "prof/api/..." key). One request per page of
  // distinct functions, whatever the number of profiles. Not a '/' delimiter listing: s3rver only reports
  // a common prefix that has an object directly in it, which ours never do.
  std::vector<std::string> out;
  ListRequest request;
  request.prefix = prefix_.empty() ? "" : prefix_ + "/";
  for (;;) {
    ++list_calls_;
    ListPage page = lister_.list_objects_v2(request);
    std::string last_function;
    for (const auto& o : page.objects) {
      std::string name = o.key.substr(request.prefix.size());
      size_t slash = name.find('/');
      if (slash == std::string::npos || slash == 0) {  // not in a function folder
        ++foreign_objects_;
        continue;
      }
      last_function = name.substr(0, slash);
      if (out.empty() || last_function > out.back()) out.push_back(last_function);
    }
    if (!page.truncated || page.objects.empty()) break;
    std::string next =
        last_function.empty() || page.objects.back().key.find('/', request.prefix.size()) == std::string::npos
            ? page.objects.back().key
            : request.prefix + last_function + "0";  // '0' follows '/'
    if (next <= request.start_after) break;          // a server that ignores start-after: stop, do not loop
    request.start_after = next;
  }
  return out;
}

void S3StoreReader::list_function(const std::string& function, const ProfileQuery& query,
                                  std::vector<StoredObject>& out) {
  std::string base = prefix_.empty() ? "" : prefix_ + "/";
  ListRequest request;
  // The listing prefix is the function's folder as object_key() writes it (unsafe characters replaced).
  std::string first_hour = hour_folder(prefix_, function, 0);
  request.prefix = first_hour.substr(0, first_hour.size() - std::string("1970/01/01/00/").size());
  if (query.since_ms) {
    // Every key of the since-hour and later sorts after the folder name without its '/'.
    std::string since = hour_folder(prefix_, function, *query.since_ms);
    request.start_after = since.substr(0, since.size() - 1);
  }
  std::string until = query.until_ms ? hour_folder(prefix_, function, *query.until_ms) : "";
  for (;;) {
    ++list_calls_;
    ListPage page = lister_.list_objects_v2(request);
    for (const auto& o : page.objects) {
      if (!until.empty() && o.key.compare(0, until.size(), until) > 0) return;  // past --until's hour
      auto key = parse_object_key(o.key, prefix_);
      if (!key) {
        ++foreign_objects_;
        continue;
      }
      out.push_back({o.key.substr(base.size()), *key, o.size});
    }
    if (!page.truncated) break;
    request.continuation_token = page.next_continuation_token;
  }
}

}  // namespace lambdascope::store
