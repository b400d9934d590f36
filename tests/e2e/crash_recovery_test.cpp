// Issue 3: nothing lost, nothing counted twice. 200,000 signals (5% invalid,
// 2% duplicates by id) are produced with kcat to a broker in its own process
// (`llmopt broker`) while the daemon is killed with SIGKILL at 5 random
// moments and restarted each time. At the end the daemon's counters and
// per-model cost totals equal what was produced.
//
// Sizing: the mock broker keeps only the newest 100,000 messages or 5 MB per
// partition. With 16 partitions per topic, the cost topic (~70% of the
// messages, ~320 bytes each) holds ~8,800 messages and ~2.8 MB per
// partition, and the rare 70 KB too_large messages add ~0.1 MB: nothing is
// trimmed before it is consumed.

#include <catch2/catch.hpp>

#include <cmath>
#include <csignal>
#include <random>
#include <thread>

#include "bench/signal_stream.hpp"
#include "daemon_fixture.hpp"
#include "paced_producer.hpp"

using namespace llmopt;
using namespace llmopt::test;
using namespace std::chrono_literals;

TEST_CASE("SIGKILL at random moments loses nothing and counts nothing twice") {
  const auto stream = make_signal_stream(2026, 200'000, 0.05, 0.02);
  const auto expected = stream.expected.total();
  REQUIRE(expected.received == 200'000);
  REQUIRE(expected.dead_lettered > 9'000);
  REQUIRE(expected.duplicates > 3'000);

  temp_dir dir;
  child_process broker(
      {LLMOPT_BINARY, "broker", "--partitions", "16", "--bootstrap-file", dir.file("bootstrap")});
  const std::string bootstrap = await_broker(broker);
  running_daemon d(simulated_config("${STATE_DIR}", "\n[kafka]\nbrokers = \"" + bootstrap +
                                                        "\"\nsession_timeout_ms = 6000\n"
                                                        "[checkpoint]\ninterval_ms = 300\n"));

  paced_producer producer(bootstrap, stream, 60s);
  std::mt19937_64 rng(7);
  for (int crash = 0; crash < 5; ++crash) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 4000));  // a random moment
    d.kill();
    d.restart();
  }
  REQUIRE(producer.finish() == "");

  // Wait until every message has been taken in (bounded).
  nlohmann::json pipeline;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  do {
    pipeline = d.pipeline();
  } while (pipeline["total"]["received"].get<long long>() < expected.received &&
           std::chrono::steady_clock::now() < deadline);
  INFO(pipeline.dump(2));

  const auto& total = pipeline["total"];
  CHECK(total["received"].get<long long>() == expected.received);
  CHECK(total["applied"].get<long long>() == expected.applied);
  CHECK(total["dead_lettered"].get<long long>() == expected.dead_lettered);
  CHECK(total["duplicates"].get<long long>() == expected.duplicates);
  for (const auto& [source, c] : stream.expected.by_source) {
    INFO("source " << source);
    const auto& got = pipeline["sources"][source];
    CHECK(got["received"].get<long long>() == c.received);
    CHECK(got["applied"].get<long long>() == c.applied);
    CHECK(got["dead_lettered"].get<long long>() == c.dead_lettered);
    CHECK(got["duplicates"].get<long long>() == c.duplicates);
  }

  auto models = d.models();
  for (const auto& [model, cost] : stream.expected.cost_by_model) {
    INFO("model " << model);
    REQUIRE(models.contains(model));
    CHECK(models[model]["lifetime"]["cost_usd"].get<double>() == Approx(cost).epsilon(1e-9));
  }
}
