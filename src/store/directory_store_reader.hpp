// Reading a directory store (what DirectorySink and `pull` write): walks <root>/<function>/YYYY/MM/DD/HH,
// not descending into time folders outside the query's range.
#pragma once

#include <string>

#include "store/store_reader.hpp"

namespace lambdascope::store {

class DirectoryStoreReader : public StoreReader {
 public:
  explicit DirectoryStoreReader(std::string root);  // throws StoreError when root is not a directory
  std::unique_ptr<ObjectFetcher> fetcher() override;
  std::string describe() const override { return root_; }

 protected:
  void list_function(const std::string& function, const ProfileQuery& query,
                     std::vector<StoredObject>& out) override;
  std::vector<std::string> list_functions() override;

 private:
  std::string root_;
};

}  // namespace lambdascope::store
