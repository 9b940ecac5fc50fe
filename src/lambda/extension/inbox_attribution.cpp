#include "lambda/extension/inbox_attribution.hpp"

namespace lambdascope::lambda::extension {

namespace {

// Invocations remembered for names: a file named after one older than this is taken as rule 3 says.
constexpr size_t kKeep = 64;

// The part of a name before its first '.' or '_' (request ids have neither).
std::string_view name_head(std::string_view name) {
  return name.substr(0, name.find_first_of("._"));
}

}  // namespace

bool looks_like_request_id(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = t[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

InboxAttribution::InboxAttribution(int64_t start_ns) {
  Window init;
  init.phase = Phase::kInit;
  init.start_ns = start_ns;
  init.cold_start = true;
  windows_.push_back(init);
}

void InboxAttribution::on_invoke(const std::string& request_id, int64_t receipt_ns) {
  if (find(request_id) != nullptr) return;
  Window w;
  w.phase = Phase::kInvoke;
  w.request_id = request_id;
  w.start_ns = receipt_ns;
  w.cold_start = windows_.size() == 1 && windows_.front().phase == Phase::kInit;
  windows_.push_back(w);
  // The init window stays first: files before the first INVOKE are init's.
  if (windows_.size() > kKeep + 1) windows_.erase(windows_.begin() + 1);
}

bool InboxAttribution::superseded(std::string_view request_id) const {
  const Window* w = find(request_id);
  return w != nullptr && w != &windows_.back();
}

const Window* InboxAttribution::find(std::string_view request_id) const {
  if (request_id.empty()) return nullptr;
  for (auto it = windows_.rbegin(); it != windows_.rend(); ++it)
    if (it->phase == Phase::kInvoke && it->request_id == request_id) return &*it;
  return nullptr;
}

std::optional<Window> InboxAttribution::attribute(std::string_view file_name, Look look,
                                                  const std::string& request_id, bool final) const {
  std::string_view head = name_head(file_name);
  if (const Window* named = find(head)) return *named;
  if (looks_like_request_id(head) && !final) return std::nullopt;
  if (look == Look::kBeforeLatest && windows_.size() >= 2) return windows_[windows_.size() - 2];
  if (look == Look::kRequest)
    if (const Window* w = find(request_id)) return *w;
  return windows_.back();
}

}  // namespace lambdascope::lambda::extension
