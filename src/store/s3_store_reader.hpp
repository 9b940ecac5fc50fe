// Reading an S3 prefix: ListObjectsV2 under <prefix>/<function>/, starting after the hour folder before
// --since (old hours are never listed) and stopping at the first key past --until's hour.
#pragma once

#include <string>

#include "store/s3_client.hpp"
#include "store/store_reader.hpp"

namespace lambdascope::store {

class S3StoreReader : public StoreReader {
 public:
  S3StoreReader(S3Config config, std::string prefix);
  std::unique_ptr<ObjectFetcher> fetcher() override;
  std::string describe() const override;

 protected:
  void list_function(const std::string& function, const ProfileQuery& query,
                     std::vector<StoredObject>& out) override;
  std::vector<std::string> list_functions() override;

 private:
  S3Config config_;
  std::string prefix_;  // no leading or trailing '/'
  S3Client lister_;
};

}  // namespace lambdascope::store
