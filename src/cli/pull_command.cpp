// `lambdascope pull`: downloads the stored profiles a query selects into a local directory (the same key
// layout, so the directory is itself a store `merge` and `pull` can read), skipping what is already there.
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/store_query_flags.hpp"
#include "store/directory_sink.hpp"
#include "store/store_reader.hpp"

namespace lambdascope::cli {

namespace {
struct PullFlags {
  std::string source;
  std::string output;
  StoreQueryFlags filters;
};
}  // namespace

Action add_pull_command(CLI::App& app) {
  auto flags = std::make_shared<PullFlags>();
  CLI::App* cmd =
      app.add_subcommand("pull", "Download stored profiles (S3 or a directory) into a local cache");
  cmd->footer(
      "Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the region "
      "from\n"
      "AWS_REGION; LAMBDASCOPE_S3_ENDPOINT points at an S3-compatible server (path-style).\n\n"
      "Examples:\n"
      "  lambdascope pull s3://bucket/prof --function api --since 1h --slowest 20 -o cache/\n"
      "  lambdascope merge cache/ --function api --phase invoke -o api.pb.gz");
  cmd->add_option("SOURCE", flags->source, "s3://BUCKET/PREFIX or a directory store")->required();
  cmd->add_option("-o,--output", flags->output, "Directory to download into (created if missing)")
      ->required();
  flags->filters.add_to(cmd);
  return [flags] {
    store::ProfileQuery query = flags->filters.query();
    auto reader = store::open_store_reader(flags->source);
    std::vector<store::StoredObject> selected = reader->list(query);
    std::vector<store::StoredObject> missing;
    for (const auto& o : selected) {
      std::error_code ec;
      auto size = std::filesystem::file_size(std::filesystem::path(flags->output) / o.key, ec);
      if (ec || static_cast<int64_t>(size) != o.size) missing.push_back(o);
    }
    store::DirectorySink cache(flags->output);
    size_t done = 0;
    store::fetch_objects(*reader, missing, flags->filters.jobs,
                         [&](const store::StoredObject& o, std::string&& body) {
                           cache.put(o.key, body, {});
                           ++done;
                         });
    std::fprintf(stderr,
                 "lambdascope pull: %zu selected (%lld list requests), %zu downloaded, %zu already cached, "
                 "into %s\n",
                 selected.size(), static_cast<long long>(reader->list_calls()), done,
                 selected.size() - missing.size(), flags->output.c_str());
    return 0;
  };
}

}  // namespace lambdascope::cli
