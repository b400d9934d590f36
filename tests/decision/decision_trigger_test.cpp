// What set off a decision: data in, words and a bounded metric label out.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/decision_trigger.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

TEST_CASE("a trigger says in words what set the decision off") {
  CHECK(describe(tick_trigger()) == "tick");
  CHECK(describe(startup_trigger()) == "startup");
  CHECK(describe(rescore_trigger("config reload")) == "config reload");
  CHECK(describe(circuit_trigger(gpt, true)) == "circuit open: openai:gpt-4o");
  CHECK(describe(circuit_trigger(gpt, false)) == "circuit closed: openai:gpt-4o");
  CHECK(describe(config_trigger(7, "SIGHUP llmopt.toml")) ==
        "configuration snapshot 7 from SIGHUP llmopt.toml");
  auto s = anomaly(gpt, "a-17", anomaly_type::availability_issue, severity::critical);
  CHECK(describe(signal_trigger(s)) == describe(s));
  CHECK(describe(recorded_trigger("latency spike on x:y")) == "latency spike on x:y");
}

TEST_CASE("triggers that queued up together are named in their order, under the first one's kind") {
  auto t = tick_trigger();
  CHECK(t.tick_only());
  t.add(signal_trigger(drift(sonnet, "d-401", 0.5, 0.98)));
  CHECK_FALSE(t.tick_only());
  CHECK(t.kind() == trigger_kind::tick);
  CHECK(describe(t) == "tick; drift d-401 quality_drift magnitude 0.50 on " + sonnet);
  CHECK(metric_label(t) == "tick");
}

TEST_CASE("decisions are counted by a label from a bounded set, never by a signal's words") {
  CHECK(metric_label(tick_trigger()) == "tick");
  CHECK(metric_label(startup_trigger()) == "startup");
  CHECK(metric_label(rescore_trigger("anything at all")) == "rescore");
  CHECK(metric_label(circuit_trigger(gpt, true)) == "circuit_open");
  CHECK(metric_label(circuit_trigger(gpt, false)) == "circuit_closed");
  CHECK(metric_label(config_trigger(7, "POST /admin/v1/config")) == "config");
  CHECK(metric_label(signal_trigger(anomaly(gpt, "a-1", anomaly_type::availability_issue,
                                            severity::critical))) == "signal_anomaly");
  CHECK(metric_label(signal_trigger(block(gpt, "p1", "eu"))) == "signal_policy_block");
  CHECK(metric_label(recorded_trigger("whatever an old record said")) == "recorded");
}

TEST_CASE("a trigger keeps its signal's data through JSON, and its words with it") {
  const std::vector<typed_signal> signals{
      anomaly(gpt, "a-17", anomaly_type::availability_issue, severity::critical),
      anomaly(gpt, "a-17", anomaly_type::availability_issue, severity::critical, false),
      drift(sonnet, "d-401", 0.5, 0.98),
      block(mini, "p1", "eu"),
      block(mini, "p2", ""),
  };
  for (const auto& s : signals) {
    nlohmann::json j = signal_trigger(s);
    auto back = trigger_from_json(j);
    REQUIRE(back);
    CHECK(back->kind() == trigger_kind::signal);
    CHECK(back->causes.front().signal->kind() == s.kind());
    CHECK(back->causes.front().signal->id == s.id);
    CHECK(back->causes.front().signal->model == s.model);
    CHECK(describe(*back) == describe(s));
  }
  nlohmann::json j = signal_trigger(signals[0]);
  CHECK(j == nlohmann::json::parse(R"([{"kind": "signal", "signal": {"kind": "anomaly",
      "id": "a-17", "model": "openai:gpt-4o", "type": "availability_issue",
      "level": "critical"}}])"));

  auto joined = startup_trigger();
  joined.add(circuit_trigger(gpt, true));
  joined.add(rescore_trigger("sync"));
  joined.add(config_trigger(7, "rollback to 6"));
  auto back = trigger_from_json(nlohmann::json(joined));
  REQUIRE(back);
  CHECK(back->causes.size() == 4);
  CHECK(back->causes[1].model == gpt);
  CHECK(back->causes[3].snapshot == 7);
  CHECK(describe(*back) ==
        "startup; circuit open: openai:gpt-4o; sync; configuration snapshot 7 from rollback to 6");
}

TEST_CASE("a trigger of a kind this version does not know cannot be read as data") {
  CHECK_FALSE(trigger_from_json(nlohmann::json::parse(R"([{"kind": "cron"}])")));
  CHECK_FALSE(trigger_from_json(nlohmann::json::parse(
      R"([{"kind": "signal", "signal": {"kind": "anomaly", "type": "sunspots", "level": "high"}}])")));
  CHECK_FALSE(trigger_from_json(nlohmann::json::array()));
  CHECK_FALSE(trigger_from_json("tick"));
}
