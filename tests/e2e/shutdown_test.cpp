// Acceptance (issue 2): clean shutdown on SIGTERM and SIGINT: offsets
// committed, store closed, exit 0. The broker runs as its own process
// (`llmopt broker`) so that it outlives the daemon and the committed offsets
// can be read back.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

TEST_CASE("SIGTERM and SIGINT commit offsets, close the store and exit 0") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  temp_dir dir;
  child_process broker(
      {LLMOPT_BINARY, "broker", "--partitions", "2", "--bootstrap-file", dir.file("bootstrap")});
  const std::string bootstrap = await_broker(broker);

  running_daemon d(
      simulated_config("${STATE_DIR}", "\n[kafka]\nbrokers = \"" + bootstrap + "\"\n"));
  REQUIRE(d.bootstrap().empty());  // no embedded broker was started

  // A policy block is applied and visible: its offset has been stored.
  const std::string block = R"({"eventId":"pb-1","timestamp":"2026-11-21T10:00:00Z",)"
                            R"("requestId":"r-1","policyId":"residency","policyName":"EU",)"
                            R"("reason":"unauthorized_model","severity":"high",)"
                            R"("modelId":"gpt-4o","provider":"openai","action":"block",)"
                            R"("metadata":{"route":"chat"}})";
  REQUIRE(kcat_produce(bootstrap, "llm.signals.shield", "gpt-4o", block) == 0);
  // Polled against a deadline, not a count of polls: a loaded machine
  // answers fewer of them in the same time.
  const auto produced = std::chrono::steady_clock::now();
  while (d.weight("chat", "openai:gpt-4o") > 0 &&
         std::chrono::steady_clock::now() - produced < std::chrono::seconds(10)) {
  }
  REQUIRE(d.weight("chat", "openai:gpt-4o") == 0);

  d.process().signal(sig);
  auto code = d.process().wait(std::chrono::seconds(15));
  INFO("stderr: " << d.process().err());
  REQUIRE(code);
  REQUIRE(*code == 0);

  // The store was closed: SQLite removes the write-ahead log on the last close.
  REQUIRE(std::filesystem::exists(d.state_dir() + "/llmopt.db"));
  REQUIRE_FALSE(std::filesystem::exists(d.state_dir() + "/llmopt.db-wal"));
  REQUIRE_FALSE(d.decisions({"--route", "chat"}).empty());

  // The offsets were committed: a consumer of the same group starts after
  // the policy block, at a marker produced now to the same partition.
  REQUIRE(kcat_produce(bootstrap, "llm.signals.shield", "gpt-4o", "marker-after-shutdown") == 0);
  auto r = run({"kcat", "-b", bootstrap, "-G", "llmopt", "-X", "auto.offset.reset=earliest", "-c",
                "1", "-q", "-f", "%s\n", "llm.signals.shield"},
               {}, std::chrono::seconds(30));
  INFO("kcat: " << r.out << r.err);
  REQUIRE(r.out == "marker-after-shutdown\n");
}
