// `lambdascope merge`: merges stored profiles straight from S3 prefixes, directory stores or profile files
// into one pprof, streaming: each object is read, folded into the merger and dropped, so the memory used
// grows with the distinct stacks, not with the number of profiles.
#include <any>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "cli/store_query_flags.hpp"
#include "formats/input_source.hpp"
#include "formats/output_file.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "profile/merge.hpp"
#include "store/store_reader.hpp"

namespace lambdascope::cli {

namespace {
struct MergeFlags {
  std::vector<std::string> sources;
  std::string output;
  StoreQueryFlags filters;
  bool keep_times = false;
};
}  // namespace

Action add_merge_command(CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd =
      app.add_subcommand("merge", "Merge stored profiles (S3 prefixes, directories, files) into one pprof");
  cmd->footer(
      "Filters select by object key (function, start hour, phase, duration), so excluded profiles are not\n"
      "downloaded. Per-sample times are dropped unless --keep-times (which costs memory per sample).\n\n"
      "Examples:\n"
      "  lambdascope merge s3://bucket/prof --function api --since 1h --phase invoke -o api.pb.gz\n"
      "  lambdascope merge cache/ --slowest 10 -o slowest.pb.gz && go tool pprof -top slowest.pb.gz");
  cmd->add_option("SOURCE", flags->sources, "s3://BUCKET/PREFIX, a directory store or a profile file")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Merged pprof (gzip'd) output file")->required();
  cmd->add_flag("--keep-times", flags->keep_times, "Keep per-sample timestamps (needs memory per sample)");
  flags->filters.add_to(cmd);
  return [flags] {
    store::ProfileQuery query = flags->filters.query();
    formats::ReadOptions read_options;
    read_options.aggregate = !flags->keep_times;
    read_options.threads = 1;
    profile::ProfileMerger merger;
    for (const auto& source : flags->sources) {
      if (std::filesystem::is_regular_file(source)) {
        merger.add(formats::read_profile_file(source, read_options));
        continue;
      }
      auto reader = store::open_store_reader(source);
      std::vector<store::StoredObject> selected = reader->list(query);
      std::string base = reader->describe() + "/";
      // Workers fetch and parse; only the merge itself is serial.
      store::fetch_and_prepare_objects(
          *reader, selected, flags->filters.jobs,
          [&](const store::StoredObject& o, std::string&& body) {
            auto in = formats::InputSource::from_memory(base + o.key, std::move(body));
            return std::make_any<std::shared_ptr<profile::Profile>>(
                std::make_shared<profile::Profile>(formats::read_profile(*in, read_options)));
          },
          [&](const store::StoredObject&, std::any&& parsed) {
            merger.add(**std::any_cast<std::shared_ptr<profile::Profile>>(&parsed));
          });
    }
    if (merger.count() == 0) {
      throw std::invalid_argument("no profile matches the filters in " + flags->sources.front() +
                                  (flags->sources.size() > 1 ? " and the other sources" : ""));
    }
    size_t count = merger.count();
    profile::Profile merged = merger.take();
    std::string bytes = formats::write_pprof(merged);
    formats::OutputFile out(flags->output);
    out.write(bytes);
    out.commit();
    std::fprintf(stderr, "lambdascope merge: %zu profiles merged into %s\n", count, flags->output.c_str());
    return 0;
  };
}

}  // namespace lambdascope::cli
