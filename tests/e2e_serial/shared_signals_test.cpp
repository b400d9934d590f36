// Issue 18: signals counted once across a group. Three instances sharing
// decisions split the signal partitions of a broker in its own process
// (`llmopt broker`); 200,000 signals (5% invalid) are produced with kcat
// while one instance is SIGKILLed and, once the others have taken its
// partitions, restarted, so that partitions move twice. At the end the sums
// of the three instances' counters and per-model cost totals equal what was
// produced: every valid signal applied once across the group, nothing lost.
//
// The stream has no duplicates by id: an instance's dedup window does not
// move with a partition (README, "Running several instances").
//
// Sizing: as crash_recovery_test, 16 partitions per topic keep every
// partition under the mock broker's 5 MB.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "bench/signal_stream.hpp"
#include "tests/e2e/daemon_fixture.hpp"
#include "tests/e2e/paced_producer.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt::test {
namespace {

using namespace std::chrono_literals;

const std::string admin_secret = "admin-secret-value-9d31";

std::string shared_config(const std::string& bootstrap) {
  return simulated_config("${STATE_DIR}",
                          "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n[kafka]\nbrokers = \"" + bootstrap +
                              "\"\nshare_decisions = true\n"
                              "session_timeout_ms = 6000\n"
                              "[checkpoint]\ninterval_ms = 300\n");
}

// The counters of every instance, added up.
using counts = std::map<std::string, long long>;  // received, applied, ... -> sum
struct group_totals {
  counts total;
  std::map<std::string, counts> sources;
  std::map<std::string, double> cost_by_model;
};

std::string text_of(const counts& c) {
  std::string out;
  for (const auto& [field, n] : c)
    out += field + "=" + std::to_string(n) + " ";
  return out;
}

group_totals totals_of(const std::vector<std::unique_ptr<running_daemon>>& all) {
  group_totals g;
  auto add = [](counts& into, const nlohmann::json& from) {
    for (const char* field : {"received", "applied", "dead_lettered", "duplicates"})
      into[field] += from.at(field).get<long long>();
  };
  for (const auto& d : all) {
    const nlohmann::json pipeline = d->pipeline();
    add(g.total, pipeline.at("total"));
    const nlohmann::json& sources = pipeline.at("sources");
    for (auto it = sources.begin(); it != sources.end(); ++it)
      add(g.sources[it.key()], it.value());
    const nlohmann::json models = d->models();
    for (auto it = models.begin(); it != models.end(); ++it)
      g.cost_by_model[it.key()] += it.value().at("lifetime").at("cost_usd").get<double>();
  }
  return g;
}

}  // namespace

TEST_CASE(
    "signals spread over three instances are applied once across the group while one is "
    "killed and restarted",
    "[e2e][cluster]") {
  const auto stream = make_signal_stream(2027, 200'000, 0.05, 0.0);
  const auto expected = stream.expected.total();
  REQUIRE(expected.received == 200'000);
  REQUIRE(expected.dead_lettered > 9'000);
  REQUIRE(expected.duplicates == 0);

  temp_dir dir;
  child_process broker(
      {LLMOPT_BINARY, "broker", "--partitions", "16", "--bootstrap-file", dir.file("bootstrap")});
  const std::string bootstrap = await_broker(broker);
  std::vector<std::unique_ptr<running_daemon>> all;
  for (int i = 0; i < 3; ++i)
    all.push_back(std::make_unique<running_daemon>(shared_config(bootstrap), admin_secret));

  paced_producer producer(bootstrap, stream, 40s);
  std::this_thread::sleep_for(10s);  // a moment in the middle of production
  all[1]->kill();
  // Once the other two have taken its partitions over, it rejoins and they
  // hand some back.
  const auto killed = std::chrono::steady_clock::now();
  bool taken_over = false;
  while (!taken_over && std::chrono::steady_clock::now() - killed < 30s) {
    auto r = all[0]->admin("GET", "/admin/v1/cluster");
    if (r.status != 200) continue;
    const auto cluster = nlohmann::json::parse(r.body);
    std::size_t consumed = 0;
    for (const auto& i : cluster["instances"])
      consumed += i["signal_partitions"].size();
    taken_over = cluster["instances"].size() == 2 && consumed == 6 * 16;
  }
  CHECK(taken_over);
  all[1]->restart();
  REQUIRE(producer.finish() == "");

  // Wait until the group has taken in every message (bounded).
  group_totals got;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  do {
    got = totals_of(all);
  } while (got.total["received"] < expected.received &&
           std::chrono::steady_clock::now() < deadline);
  INFO(text_of(got.total));

  CHECK(got.total["received"] == expected.received);
  CHECK(got.total["applied"] == expected.applied);
  CHECK(got.total["dead_lettered"] == expected.dead_lettered);
  CHECK(got.total["duplicates"] == 0);
  for (const auto& [source, c] : stream.expected.by_source) {
    INFO("source " << source << ": " << text_of(got.sources[source]));
    CHECK(got.sources[source]["received"] == c.received);
    CHECK(got.sources[source]["applied"] == c.applied);
    CHECK(got.sources[source]["dead_lettered"] == c.dead_lettered);
  }
  for (const auto& [model, cost] : stream.expected.cost_by_model) {
    INFO("model " << model);
    REQUIRE(got.cost_by_model.count(model) == 1);
    CHECK(got.cost_by_model[model] == Approx(cost).epsilon(1e-9));
  }
}

}  // namespace llmopt::test
