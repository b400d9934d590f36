// `llmopt dlq` lists the running daemon's dead letters with their reasons,
// read from its dead-letter topic; `llmopt dlq replay` sends them back to
// the topic they came from as they were, where the collector reads them
// again.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/process.hpp"

namespace llmopt::test {
namespace {

nlohmann::json dead_letters(running_daemon& d, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"dlq", "--json"});
  auto r = d.cli(args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

TEST_CASE("llmopt dlq lists dead letters by reason and replay sends them back as they were",
          "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  auto produced = run({"kcat", "-P", "-b", d.bootstrap(), "-t", "llm.signals.cost", "-k", "cost-1",
                       "-H", "trace=t-1"},
                      "{\"unknown\": true}\n");
  REQUIRE(produced.exit_code == 0);
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.latency", "lat-1", "not json") == 0);
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.latency", "lat-2", "[1, 2") == 0);
  REQUIRE(eventually([&] { return dead_letters(d).size() == 3; }));

  const auto all = dead_letters(d);
  int not_json = 0;
  for (const auto& l : all) {
    CHECK(l["source_topic"].get<std::string>().rfind("llm.signals.", 0) == 0);
    not_json += l["reason"] == "not_json";
  }
  CHECK(not_json == 2);
  CHECK(dead_letters(d, {"--reason", "not_json"}).size() == 2);
  CHECK(dead_letters(d, {"--limit", "1"}).size() == 1);
  auto text = d.cli({"dlq", "--reason", "unknown_kind"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("unknown_kind") != std::string::npos);
  CHECK(text.out.find("from llm.signals.cost/") != std::string::npos);

  auto replayed = d.cli({"dlq", "replay", "--reason", "unknown_kind"});
  INFO(replayed.out << replayed.err);
  REQUIRE(replayed.exit_code == 0);
  CHECK(replayed.out == "replayed 1 dead letter(s)\n");
  // Still not a signal: read again, it is dead-lettered again.
  REQUIRE(eventually([&] { return dead_letters(d, {"--reason", "unknown_kind"}).size() == 2; }));
  const auto again = dead_letters(d, {"--reason", "unknown_kind"});
  CHECK(again[1]["key"] == "cost-1");
  CHECK(again[1]["value"] == "{\"unknown\": true}");
  CHECK(again[1]["source_offset"] != again[0]["source_offset"]);
  // On its source topic the replayed copy has the original's headers only.
  auto source = run({"kcat", "-C", "-b", d.bootstrap(), "-t", "llm.signals.cost", "-e", "-q",
                     "-f", "%k|%h|%s\\n"});
  REQUIRE(source.exit_code == 0);
  CHECK(source.out == "cost-1|trace=t-1|{\"unknown\": true}\ncost-1|trace=t-1|{\"unknown\": true}\n");
}

}  // namespace
}  // namespace llmopt::test
