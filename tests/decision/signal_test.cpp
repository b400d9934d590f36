#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/decision_record.hpp"
#include "decision/model_key.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

TEST_CASE("model keys are provider:model unless the model id already has a provider") {
  REQUIRE(make_model_key("openai", "gpt-4o") == "openai:gpt-4o");
  REQUIRE(make_model_key("azure", "openai:gpt-4o") == "openai:gpt-4o");
  REQUIRE(make_model_key("", "gpt-4o") == "gpt-4o");
  REQUIRE(provider_of("openai:gpt-4o") == "openai");
  REQUIRE(model_name_of("openai:gpt-4o") == "gpt-4o");
}

TEST_CASE("severities of every upstream map onto one scale") {
  REQUIRE(parse_severity("info") == severity::low);
  REQUIRE(parse_severity("warning") == severity::medium);
  REQUIRE(parse_severity("error") == severity::high);
  REQUIRE(parse_severity("critical") == severity::critical);
  REQUIRE_FALSE(parse_severity("urgent"));
  REQUIRE(parse_anomaly_type("availability_issue") == anomaly_type::availability_issue);
  REQUIRE_FALSE(parse_policy_reason("unknown"));
}

TEST_CASE("urgent signals are critical anomalies, availability issues, blocks and resolutions") {
  const model_key m = "openai:gpt-4o";
  REQUIRE(is_urgent(anomaly(m, "a", anomaly_type::latency_spike, severity::critical)));
  REQUIRE(is_urgent(anomaly(m, "a", anomaly_type::availability_issue, severity::low)));
  REQUIRE(is_urgent(anomaly(m, "a", anomaly_type::latency_spike, severity::low, false)));
  REQUIRE_FALSE(is_urgent(anomaly(m, "a", anomaly_type::latency_spike, severity::high)));
  REQUIRE(is_urgent(block(m, "p", "chat")));
  REQUIRE_FALSE(is_urgent(block(m, "p", "chat", policy_action::warn)));
  REQUIRE_FALSE(is_urgent(outcome(m, false, 10)));
  REQUIRE(is_urgent(drift(m, "d", 0.3, 0.9)));
}

TEST_CASE("describe names the kind, id, type and model") {
  auto s = anomaly("openai:gpt-4o", "a-17", anomaly_type::availability_issue, severity::critical);
  REQUIRE(describe(s) == "anomaly a-17 availability_issue/critical on openai:gpt-4o");
  REQUIRE(describe(block("x:y", "p1", "eu")) ==
          "policy_block pb-p1 unauthorized_model/block route eu on x:y");
}

TEST_CASE("decisions round-trip through JSON and explain themselves") {
  decision d;
  d.id = 12;
  d.at = 1'763'720'102'113;
  d.route = "chat";
  d.trigger = "anomaly a-17 availability_issue/critical on openai:gpt-4o";
  d.reasons = {"first", "second"};
  candidate_assessment c;
  c.model = "openai:gpt-4o";
  c.excluded = "down: anomaly a-17";
  c.p95_ms = 1800;
  candidate_assessment e;
  e.model = "openai:gpt-4o-mini";
  e.weight = 1;
  e.score = 0.25;
  d.candidates = {c, e};

  nlohmann::json j = d;
  REQUIRE(j["at"] == "2025-11-21T10:15:02.113Z");
  auto back = j.get<decision>();
  REQUIRE(back.id == 12);
  REQUIRE(back.reasons == d.reasons);
  REQUIRE(back.candidates.size() == 2);
  REQUIRE_FALSE(back.candidates[0].score);
  REQUIRE(*back.candidates[0].p95_ms == 1800);
  REQUIRE(*back.candidates[1].score == 0.25);

  auto text = explain(d);
  REQUIRE(text.find("decision 12") != std::string::npos);
  REQUIRE(text.find("down: anomaly a-17") != std::string::npos);
  REQUIRE(text.find("  - second") != std::string::npos);
}
