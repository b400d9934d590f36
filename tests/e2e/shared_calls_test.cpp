// With kafka.publish_calls, the daemon's calls go to llm.calls, keyed by
// model, and its statistics count them from there, once: what kcat (an
// independent client) reads of the topic is what the statistics hold.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/e2e/daemon_fixture.hpp"

namespace llmopt::test {
namespace {

// Per model, the calls the daemon's statistics hold.
std::map<std::string, long long> calls_by_model(running_daemon& d) {
  std::map<std::string, long long> out;
  const nlohmann::json models = d.models();
  for (const auto& [model, view] : models.items())
    if (auto calls = view["lifetime"]["calls"].get<long long>(); calls > 0) out[model] = calls;
  return out;
}

TEST_CASE("published calls are counted from the calls topic, once each", "[e2e][calls]") {
  running_daemon d(simulated_config("${STATE_DIR}", "[kafka]\npublish_calls = true\n"));
  constexpr int sent = 20;
  for (int i = 0; i < sent; ++i)
    REQUIRE(d.chat("chat").status == 200);

  // kcat reads every call on the topic: one message each, keyed by model.
  std::map<std::string, long long> on_topic;
  std::set<std::string> ids, instances;
  std::string last;
  REQUIRE(eventually([&] {
    auto read = run(
        {"kcat", "-C", "-b", d.bootstrap(), "-t", "llm.calls", "-e", "-q", "-f", "%k\\x1f%s\\n"});
    last = read.out + read.err;
    if (read.exit_code != 0) return false;
    on_topic.clear();
    ids.clear();
    instances.clear();
    std::istringstream lines(read.out);
    for (std::string line; std::getline(lines, line);) {
      const auto split = line.find('\x1f');
      REQUIRE(split != std::string::npos);
      const auto call = nlohmann::json::parse(line.substr(split + 1));
      CHECK(line.substr(0, split) == call["modelId"]);
      CHECK(call["route"] == "chat");
      CHECK(call["status"] == "ok");
      ++on_topic[call["modelId"].get<std::string>()];
      ids.insert(call["callId"].get<std::string>());
      instances.insert(call["instance"].get<std::string>());
    }
    return ids.size() == sent;
  }));
  INFO(last);
  CHECK(ids.size() == sent);
  CHECK(instances.size() == 1);

  // The statistics count each call once: from the topic, not also
  // directly. A call kcat publishes with a model's key lands behind that
  // model's calls in its partition: once it is counted, they all are.
  std::map<std::string, long long> expected;
  for (const auto& [model, calls] : on_topic) {
    const nlohmann::json fence{{"callId", "fence-" + model},
                               {"at", 1000},
                               {"modelId", model},
                               {"status", "ok"},
                               {"latencyMs", 5},
                               {"instance", "kcat"}};
    REQUIRE(kcat_produce(d.bootstrap(), "llm.calls", model, fence.dump()) == 0);
    expected[model] = calls + 1;
  }
  std::map<std::string, long long> counted;
  CHECK(eventually([&] {
    counted = calls_by_model(d);
    return counted == expected;
  }));
  CHECK(counted == expected);
  const auto router = d.pipeline()["sources"]["router"];
  CHECK(router["received"].get<long long>() == sent + static_cast<long long>(on_topic.size()));
  CHECK(router["applied"].get<long long>() == sent + static_cast<long long>(on_topic.size()));
}

}  // namespace
}  // namespace llmopt::test
