// Every decision the daemon makes is published on llm.routing.decisions,
// keyed by route, as the decision log keeps it: kcat (an independent
// client) reads the same id, trigger and reasons as `llmopt decisions`.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <string>

#include "tests/e2e/daemon_fixture.hpp"

namespace llmopt::test {
namespace {

// The messages on llm.routing.decisions: their values by decision id, and
// each one's key.
struct published {
  std::map<long long, nlohmann::json> by_id;
  std::map<long long, std::string> key;
};

published read_decisions_topic(running_daemon& d) {
  published out;
  auto read = run({"kcat", "-C", "-b", d.bootstrap(), "-t", "llm.routing.decisions", "-e", "-q",
                   "-f", "%k\\x1f%s\\n"});
  INFO(read.err);
  REQUIRE(read.exit_code == 0);
  std::istringstream lines(read.out);
  for (std::string line; std::getline(lines, line);) {
    const auto split = line.find('\x1f');
    REQUIRE(split != std::string::npos);
    auto value = nlohmann::json::parse(line.substr(split + 1));
    const long long id = value["id"].get<long long>();
    out.key[id] = line.substr(0, split);
    out.by_id[id] = std::move(value);
  }
  return out;
}

TEST_CASE("every decision is published on the decisions topic as the log keeps it",
          "[e2e][decisions]") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  for (int i = 0; i < 10; ++i)
    REQUIRE(d.chat("chat").status == 200);

  // Every decision in the log is on the topic, under its route's key, with
  // the same trigger, reasons and candidates.
  nlohmann::json logged;
  published on_topic;
  REQUIRE(eventually([&] {
    logged = d.decisions();
    on_topic = read_decisions_topic(d);
    if (logged.empty()) return false;
    for (const auto& x : logged)
      if (!on_topic.by_id.count(x["id"].get<long long>())) return false;
    return true;
  }));
  for (const auto& x : logged) {
    const long long id = x["id"].get<long long>();
    INFO("decision " << id);
    const auto& p = on_topic.by_id.at(id);
    CHECK(on_topic.key.at(id) == x["route"]);
    CHECK(p["route"] == x["route"]);
    CHECK(p["trigger"] == x["trigger"]);
    CHECK(p["reasons"] == x["reasons"]);
    CHECK(p["candidates"] == x["candidates"]);
  }
  CHECK(on_topic.by_id.size() >= logged.size());  // and any made since
}

}  // namespace
}  // namespace llmopt::test
