// Acceptance of the walking skeleton (issue 2): a critical availability
// anomaly produced by a real Kafka client takes the heaviest model out of a
// route within a second, the decision names the signal, and the gateway keeps
// answering from the other models.

#include <catch2/catch.hpp>

#include <chrono>

#include "daemon_fixture.hpp"

using namespace llmopt::test;
using clock_type = std::chrono::steady_clock;

TEST_CASE("a critical availability anomaly from kcat removes the heaviest model within 1 s") {
  running_daemon d(simulated_config("${STATE_DIR}"));

  const std::string victim = d.heaviest("chat");
  REQUIRE(d.weight("chat", victim) > 0);
  const auto colon = victim.find(':');
  const std::string provider = victim.substr(0, colon);
  const std::string model = victim.substr(colon + 1);

  const std::string anomaly = R"({"anomalyId":"a-e2e-1","detectedAt":"2026-11-21T10:20:00Z",)"
                              R"("type":"availability_issue","severity":"critical","modelId":")" +
                              model + R"(","provider":")" + provider +
                              R"(","metric":"success_rate","observedValue":0.1,)"
                              R"("expectedValue":0.99,"threshold":0.9,"deviationPercent":-89.9,)"
                              R"("isActive":true})";
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.sentinel", model, anomaly) == 0);
  const auto produced = clock_type::now();

  // Within 1 s the route shows the model at weight 0.
  double weight = d.weight("chat", victim);
  while (weight > 0 && clock_type::now() - produced < std::chrono::seconds(1))
    weight = d.weight("chat", victim);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - produced);
  INFO("weight of " << victim << " after " << took.count() << " ms: " << weight);
  REQUIRE(weight == 0);
  REQUIRE(took < std::chrono::seconds(1));

  // The decision log names the signal.
  auto decisions = d.decisions({"--route", "chat"});
  bool named = false;
  for (const auto& dec : decisions) {
    if (dec["trigger"].get<std::string>().find("a-e2e-1") == std::string::npos) continue;
    named = true;
    for (const auto& c : dec["candidates"])
      if (c["model"] == victim)
        REQUIRE(c["excluded"].get<std::string>().find("availability_issue") != std::string::npos);
  }
  REQUIRE(named);

  // 20 chat completions all succeed, none on the excluded model.
  for (int i = 0; i < 20; ++i) {
    auto r = d.chat("chat");
    INFO("response " << i << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.headers["x-llmopt-route"] == "chat");
    REQUIRE(r.headers["x-llmopt-model"] != victim);
    REQUIRE_FALSE(r.headers["x-llmopt-decision"].empty());
    auto body = nlohmann::json::parse(r.body);
    REQUIRE(body["choices"][0]["message"]["role"] == "assistant");
  }
}

TEST_CASE("a malformed message lands on the dead-letter topic and the daemon keeps running") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.cost", "k-bad", "{not json") == 0);

  // Read the DLQ with kcat: the first message, headers and value.
  auto r = run({"kcat", "-C", "-b", d.bootstrap(), "-t", "llm.signals.dlq", "-o", "beginning", "-c",
                "1", "-f", "%k|%s|%h\n"},
               {}, std::chrono::seconds(20));
  INFO("kcat: " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("k-bad|{not json|") == 0);
  REQUIRE(r.out.find("llmopt-error=not_json") != std::string::npos);
  REQUIRE(r.out.find("llmopt-source-topic=llm.signals.cost") != std::string::npos);

  REQUIRE(http_get(d.url() + "/health/live").status == 200);
  REQUIRE(d.chat("chat").status == 200);
  REQUIRE_FALSE(d.process().wait(std::chrono::milliseconds(0)));  // still running
}
