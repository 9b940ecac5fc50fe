// The inbox's rules without files or threads: which invocation a file belongs to (inbox_attribution.hpp),
// what a profile measures (profile_type), which names are taken, and what a file becomes (labels, key) or
// why it is refused.
#include <gtest/gtest.h>

#include <algorithm>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "lambda/extension/inbox_attribution.hpp"
#include "lambda/extension/inbox_profile.hpp"
#include "store/object_key.hpp"

namespace lambdascope::lambda::extension {
namespace {

constexpr const char* kR1 = "11111111-2222-3333-4444-555555555555";
constexpr const char* kR2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
constexpr const char* kR3 = "99999999-8888-7777-6666-555555555555";
using Look = InboxAttribution::Look;

TEST(InboxAttribution, BeforeTheFirstInvokeFilesAreInits) {
  InboxAttribution a(1000);
  auto w = a.attribute("cpu.pprof", Look::kLatest);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->phase, Phase::kInit);
  EXPECT_TRUE(w->cold_start);
  EXPECT_EQ(w->start_ns, 1000);
  a.on_invoke(kR1, 2000);
  // The look just after the first INVOKE is for what came before it: init.
  EXPECT_EQ(a.attribute("cpu.pprof", Look::kBeforeLatest)->phase, Phase::kInit);
  auto latest = a.attribute("cpu.pprof", Look::kLatest);
  EXPECT_EQ(latest->request_id, kR1);
  EXPECT_TRUE(latest->cold_start);
  EXPECT_EQ(latest->start_ns, 2000);
}

TEST(InboxAttribution, UnnamedFilesGoToTheInvocationTheLookIsFor) {
  InboxAttribution a(0);
  a.on_invoke(kR1, 1);
  a.on_invoke(kR2, 2);
  EXPECT_EQ(a.attribute("heap.pprof", Look::kBeforeLatest)->request_id, kR1);
  EXPECT_EQ(a.attribute("heap.pprof", Look::kLatest)->request_id, kR2);
  EXPECT_FALSE(a.attribute("heap.pprof", Look::kLatest)->cold_start);
  EXPECT_EQ(a.attribute("heap.pprof", Look::kRequest, kR1)->request_id, kR1);
  // runtimeDone of an invocation never seen: the latest is the best guess.
  EXPECT_EQ(a.attribute("heap.pprof", Look::kRequest, "other")->request_id, kR2);
}

// Telemetry comes buffered: a runtimeDone after the next INVOKE is late, and the watcher then does not look
// for it (the look at that INVOKE was its invocation's).
TEST(InboxAttribution, AnInvocationIsSupersededByTheNextInvoke) {
  InboxAttribution a(0);
  a.on_invoke(kR1, 1);
  EXPECT_FALSE(a.superseded(kR1));
  a.on_invoke(kR2, 2);
  EXPECT_TRUE(a.superseded(kR1));
  EXPECT_FALSE(a.superseded(kR2));
  EXPECT_FALSE(a.superseded("never-seen"));
}

TEST(InboxAttribution, ANameWithARequestIdWinsAndAnUnknownOneWaitsUntilTheFinalLook) {
  InboxAttribution a(0);
  a.on_invoke(kR1, 1);
  a.on_invoke(kR2, 2);
  EXPECT_EQ(a.attribute(std::string(kR1) + ".cpu.pprof", Look::kLatest)->request_id, kR1);
  EXPECT_EQ(a.attribute(std::string(kR1) + "_heap.pb.gz", Look::kRequest, kR2)->request_id, kR1);
  // The runtime got INVOKE kR3 before the extension did: wait for it.
  EXPECT_FALSE(a.attribute(std::string(kR3) + ".cpu.pprof", Look::kBeforeLatest));
  a.on_invoke(kR3, 3);
  EXPECT_EQ(a.attribute(std::string(kR3) + ".cpu.pprof", Look::kBeforeLatest)->request_id, kR3);
  // At SHUTDOWN nothing waits: the latest takes it.
  EXPECT_EQ(a.attribute("00000000-0000-0000-0000-000000000000.x", Look::kLatest, {}, true)->request_id, kR3);
  // Not a request id: rule 3.
  EXPECT_EQ(a.attribute("00000000.x", Look::kBeforeLatest)->request_id, kR2);
  EXPECT_TRUE(looks_like_request_id(kR1));
  EXPECT_FALSE(looks_like_request_id("11111111-2222-3333-4444-55555555555g"));
}

TEST(InboxAttribution, OldInvocationsAreForgottenButInitStays) {
  InboxAttribution a(0);
  for (int i = 0; i < 100; ++i) a.on_invoke("r" + std::to_string(i), i);
  EXPECT_EQ(a.attribute("r99.cpu", Look::kLatest)->request_id, "r99");
  EXPECT_EQ(a.attribute("r0.cpu", Look::kLatest)->request_id, "r99");  // forgotten: rule 3
  a.on_invoke("r50", 500);                                             // seen again: not a new invocation
  EXPECT_EQ(a.attribute("x", Look::kLatest)->request_id, "r99");
}

TEST(InboxProfile, OnlyRenamedFinalNamesAreTaken) {
  EXPECT_TRUE(inbox_name_is_final("r.cpu.pprof"));
  EXPECT_TRUE(inbox_name_is_final("profile.cpuprofile"));
  EXPECT_FALSE(inbox_name_is_final(".tmp-123"));
  EXPECT_FALSE(inbox_name_is_final("r.cpu.pprof.tmp"));
  EXPECT_FALSE(inbox_name_is_final("r.part"));
  EXPECT_FALSE(inbox_name_is_final("r~"));
  EXPECT_FALSE(inbox_name_is_final(""));
}

profile::Profile with_types(std::vector<profile::ValueType> types,
                            std::vector<const char*> leaves = {"main.f"}) {
  profile::Profile p;
  p.meta.sample_types = std::move(types);
  std::vector<double> values(p.num_values(), 1);
  for (const char* leaf : leaves) {
    std::vector<profile::FrameId> frames = {p.intern_frame("main.main"), p.intern_frame(leaf)};
    p.add_sample({.stack = p.intern_stack(frames), .values = values});
  }
  return p;
}

TEST(InboxProfile, TheTypeComesFromTheSampleTypes) {
  EXPECT_EQ(inbox_profile_type(with_types({{"samples", "count"}, {"cpu", "nanoseconds"}}), "x"), "cpu");
  EXPECT_EQ(inbox_profile_type(with_types({{"wall", "nanoseconds"}}), "x"), "cpu");
  EXPECT_EQ(inbox_profile_type(with_types({{"alloc_objects", "count"},
                                           {"alloc_space", "bytes"},
                                           {"inuse_objects", "count"},
                                           {"inuse_space", "bytes"}}),
                               "x"),
            "heap");
  EXPECT_EQ(inbox_profile_type(with_types({{"goroutine", "count"}}), "x"), "goroutine");
  EXPECT_EQ(inbox_profile_type(with_types({{"samples", "count"}}), "x"), "other");
  // Go writes mutex and block profiles with the same types: the name, else the innermost frames, decide.
  std::vector<profile::ValueType> contention = {{"contentions", "count"}, {"delay", "nanoseconds"}};
  EXPECT_EQ(inbox_profile_type(with_types(contention), "r.mutex.pprof"), "mutex");
  EXPECT_EQ(inbox_profile_type(with_types(contention, {"sync.(*Mutex).Unlock"}), "r.pprof"), "mutex");
  EXPECT_EQ(inbox_profile_type(with_types(contention, {"sync.(*Mutex).Unlock"}), "r.block.pprof"), "block");
  EXPECT_EQ(inbox_profile_type(with_types(contention, {"runtime.chanrecv1"}), "r.pprof"), "block");
}

// "k=v " for each label, sorted by key.
std::string labels_of(const profile::Profile& p, size_t sample) {
  std::vector<std::string> each;
  for (const profile::Label& l : p.label_sets.labels(p.samples.labels[sample]))
    each.push_back(std::string(p.strings[l.key]) + "=" + std::string(p.strings[l.str]) + " ");
  std::sort(each.begin(), each.end());
  std::string out;
  for (const std::string& e : each) out += e;
  return out;
}

TEST(InboxProfile, AProfileIsLabelledAndStoredUnderItsInvocationsKeyWithItsType) {
  profile::Profile go = with_types({{"samples", "count"}, {"cpu", "nanoseconds"}});
  go.meta.duration_ns = 300'500'000;
  // The runtime's own labels (pprof.Do) stay beside ours.
  go.samples.labels[0] = go.label_sets.intern({{go.intern("handler"), go.intern("get"), 0, 0}});
  Window w;
  w.request_id = kR1;
  w.start_ns = 1763712000123'000'000;
  w.cold_start = true;
  int numbered = 0;
  StoredProfile sp = make_inbox_profile(std::string(kR1) + ".cpu.pprof", formats::write_pprof(go), w,
                                        {"fn", "sandbox1", ""}, [&](const std::string& type) {
                                          EXPECT_EQ(type, "cpu");
                                          return ++numbered;
                                        });
  auto key = store::parse_object_key(sp.key, "");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->request_id, kR1);
  EXPECT_EQ(key->phase, "invoke");
  EXPECT_EQ(key->profile_type, "cpu");
  EXPECT_EQ(key->start_ms, 1763712000123);
  EXPECT_EQ(key->duration_ms, 301);
  EXPECT_EQ(sp.metadata.at("profile_type"), "cpu");
  auto in = formats::InputSource::from_memory("stored", sp.body);
  profile::Profile back = formats::read_profile(*in);
  ASSERT_EQ(back.num_samples(), 1u);
  EXPECT_EQ(labels_of(back, 0), "cold_start=true handler=get phase=invoke profile_type=cpu request_id=" +
                                    std::string(kR1) + " sandbox=sandbox1 ");
  EXPECT_EQ(back.meta.attribute("profile_type"), "cpu");

  // The second cpu object of the same invocation gets its own key.
  StoredProfile second =
      make_inbox_profile("again.pprof", formats::write_pprof(go), w, {"fn", "sandbox1", ""},
                         [&](const std::string&) { return ++numbered; });
  EXPECT_EQ(store::parse_object_key(second.key, "")->profile_type, "cpu.2");
  EXPECT_NE(second.key, sp.key);
}

TEST(InboxProfile, AV8CpuProfileIsCpu) {
  const std::string cpuprofile = R"js({"nodes":[
    {"id":1,"callFrame":{"functionName":"(root)","url":"","lineNumber":-1,"columnNumber":-1},"children":[2]},
    {"id":2,"callFrame":{"functionName":"handler","url":"file:///var/task/index.mjs","lineNumber":3,"columnNumber":1}}],
    "startTime":0,"endTime":2000,"samples":[2,2],"timeDeltas":[0,1000]})js";
  Window w;
  w.phase = Phase::kInit;
  w.start_ns = 5'000'000;
  StoredProfile sp = make_inbox_profile("init.cpuprofile", cpuprofile, w, {"fn", "sb", "pre"});
  auto key = store::parse_object_key(sp.key, "pre");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->profile_type, "cpu");
  EXPECT_EQ(key->phase, "init");
  EXPECT_EQ(key->request_id, "sb");
}

TEST(InboxProfile, WhatIsNotAProfileIsRefusedWithTheReason) {
  Window w;
  w.request_id = kR1;
  auto reason = [&](std::string bytes) {
    try {
      make_inbox_profile("f", std::move(bytes), w, {"fn", "sb", ""});
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(reason("").find("empty file"), std::string::npos);
  EXPECT_NE(reason("hello, not a profile\n").find("not a pprof profile or a V8 .cpuprofile"),
            std::string::npos);
  EXPECT_NE(reason("a;b;c 12\n").find("it reads as folded"), std::string::npos);
  // A pprof cut short (a file taken half-written) is a parse error, not a crash.
  profile::Profile go = with_types({{"samples", "count"}, {"cpu", "nanoseconds"}});
  std::string whole = formats::write_pprof(go);
  EXPECT_NE(reason(whole.substr(0, whole.size() / 2)), "accepted");
}

}  // namespace
}  // namespace lambdascope::lambda::extension
