#include <catch2/catch.hpp>

#include <limits>

#include "decision/model_key.hpp"
#include "decision/signal.hpp"
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

TEST_CASE("a router call keeps its stream timings, and drops those out of bounds") {
  call_outcome c;
  c.latency_ms = 1200;
  c.ttft_ms = 180;
  c.inter_token_ms = 22.5;
  c.output_tokens_per_s = 61;
  auto s = router_call_signal("openai:gpt-4o", c, nullptr, 5);
  const auto& kept = std::get<call_outcome>(s.body);
  CHECK(kept.ttft_ms == 180.0);
  CHECK(kept.inter_token_ms == 22.5);
  CHECK(kept.output_tokens_per_s == 61.0);

  // Zero is a measurement (a first token at once), not a missing one.
  c.ttft_ms = 0;
  c.inter_token_ms = max_call_duration_ms;
  c.output_tokens_per_s = max_output_tokens_per_s;
  s = router_call_signal("openai:gpt-4o", c, nullptr, 5);
  CHECK(std::get<call_outcome>(s.body).ttft_ms == 0.0);
  CHECK(std::get<call_outcome>(s.body).inter_token_ms == max_call_duration_ms);
  CHECK(std::get<call_outcome>(s.body).output_tokens_per_s == max_output_tokens_per_s);

  c.ttft_ms = -1;
  c.inter_token_ms = std::numeric_limits<double>::quiet_NaN();
  c.output_tokens_per_s = std::numeric_limits<double>::infinity();
  s = router_call_signal("openai:gpt-4o", c, nullptr, 5);
  const auto& dropped = std::get<call_outcome>(s.body);
  CHECK_FALSE(dropped.ttft_ms);
  CHECK_FALSE(dropped.inter_token_ms);
  CHECK_FALSE(dropped.output_tokens_per_s);
  CHECK(dropped.latency_ms == 1200);

  c.ttft_ms = max_call_duration_ms + 1;
  c.output_tokens_per_s = max_output_tokens_per_s * 2;
  s = router_call_signal("openai:gpt-4o", c, nullptr, 5);
  CHECK_FALSE(std::get<call_outcome>(s.body).ttft_ms);
  CHECK_FALSE(std::get<call_outcome>(s.body).output_tokens_per_s);
}
