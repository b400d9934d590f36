// Issue 3: a broker outage while signals are produced. The broker (in its own
// process, `llmopt broker`) is set down for 10 s: the daemon logs it, keeps
// serving chat completions on its last routing table, recovers by itself,
// and the accounting is exact afterwards.

#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "bench/signal_stream.hpp"
#include "daemon_fixture.hpp"

using namespace llmopt;
using namespace llmopt::test;
using namespace std::chrono_literals;

TEST_CASE("a 10 s broker outage: the daemon serves on, recovers, and the accounting holds") {
  const auto stream = make_signal_stream(11, 20'000, 0.05, 0.02);
  temp_dir dir;
  child_process broker(
      {LLMOPT_BINARY, "broker", "--partitions", "4", "--bootstrap-file", dir.file("bootstrap")});
  const std::string address = await_broker(broker);
  running_daemon d(simulated_config("${STATE_DIR}", "\n[kafka]\nbrokers = \"" + address +
                                                        "\"\n"
                                                        "[checkpoint]\ninterval_ms = 300\n"));

  // The first half before the outage, the second half during it: kcat (with
  // -E: no exit on a non-fatal error such as all brokers down) buffers and
  // retries until the broker is back.
  std::map<std::string, std::string> before, during;
  for (std::size_t i = 0; i < stream.messages.size(); ++i) {
    const auto& m = stream.messages[i];
    (i < stream.messages.size() / 2 ? before : during)[m.source] += m.key + "\x1f" + m.value + "\n";
  }
  for (const auto& [source, text] : before)
    REQUIRE(
        run({"kcat", "-P", "-b", address, "-t", topic_of(source), "-K", "\x1f"}, text).exit_code ==
        0);

  broker.signal(SIGUSR1);
  REQUIRE(broker.await_line([](const std::string& l) { return l == "llmopt: brokers down"; }, 5s));
  std::vector<std::unique_ptr<child_process>> producers;
  for (const auto& [source, text] : during) {
    producers.push_back(std::make_unique<child_process>(
        std::vector<std::string>{"kcat", "-E", "-P", "-b", address, "-t", topic_of(source), "-K",
                                 "\x1f"},
        std::vector<std::string>{}, true));
    producers.back()->write_stdin(text);
    producers.back()->close_stdin();
  }

  // During the outage the gateway answers on the last routing table.
  const auto down_at = std::chrono::steady_clock::now();
  int answered = 0;
  while (std::chrono::steady_clock::now() - down_at < 10s) {
    auto r = d.chat("chat");
    REQUIRE(r.status == 200);
    ++answered;
    REQUIRE(http_get(d.url() + "/admin/v1/routes").status == 200);
  }
  CHECK(answered > 10);
  broker.signal(SIGUSR2);
  REQUIRE(broker.await_line([](const std::string& l) { return l == "llmopt: brokers up"; }, 5s));
  for (auto& p : producers) {
    INFO("kcat: " << p->err());
    REQUIRE(p->wait(120s) == 0);
  }

  // The five signal topics; the router's own calls (the chat completions
  // above) are counted under "router" and are not part of the stream.
  auto from_kafka = [](const nlohmann::json& p) {
    long long received = 0;
    for (const auto& source : {"cost", "latency", "sentinel", "shield", "observatory"})
      received += p["sources"][source]["received"].get<long long>();
    return received;
  };
  const auto expected = stream.expected.total();
  nlohmann::json pipeline;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  do {
    pipeline = d.pipeline();
  } while (from_kafka(pipeline) < expected.received && std::chrono::steady_clock::now() < deadline);
  INFO(pipeline.dump(2));
  CHECK(from_kafka(pipeline) == expected.received);
  for (const auto& [source, c] : stream.expected.by_source) {
    INFO("source " << source);
    const auto& got = pipeline["sources"][source];
    CHECK(got["received"].get<long long>() == c.received);
    CHECK(got["applied"].get<long long>() == c.applied);
    CHECK(got["dead_lettered"].get<long long>() == c.dead_lettered);
    CHECK(got["duplicates"].get<long long>() == c.duplicates);
  }
  CHECK(pipeline["sources"]["router"]["received"].get<long long>() >= answered);
  auto models = d.models();
  for (const auto& [model, cost] : stream.expected.cost_by_model)
    CHECK(models[model]["lifetime"]["cost_usd"].get<double>() == Approx(cost).epsilon(1e-9));

  // The outage was logged.
  const auto& log = d.process().err();
  CHECK((log.find("Connection refused") != std::string::npos ||
         log.find("Disconnected") != std::string::npos || log.find("down") != std::string::npos));
}
