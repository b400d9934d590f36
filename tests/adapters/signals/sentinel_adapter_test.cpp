#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

TEST_CASE("sentinel: the spec's drift signal", "[sentinel]") {
  auto s = parse_ok(topic_kind::sentinel, R"({"driftId":"d-19",
    "detectedAt":"2026-11-21T10:20:00Z","type":"quality_drift","modelId":"gpt-4o-mini",
    "provider":"openai","magnitude":0.42,"pValue":0.003,"confidence":0.97,
    "baselinePeriod":{"start":"2026-11-20T10:00:00Z","end":"2026-11-21T09:00:00Z"},
    "observationPeriod":{"start":"2026-11-21T09:00:00Z","end":"2026-11-21T10:20:00Z"},
    "affectedMetrics":["quality_score","refusal_rate"],"recommendation":"shift"})");
  CHECK(s.kind() == signal_kind::drift);
  CHECK(s.id == "d-19");
  CHECK(s.at == 1795256400000);
  CHECK(s.model == "openai:gpt-4o-mini");
  auto& d = body_as<drift_signal>(s);
  CHECK(d.type == drift_type::quality_drift);
  CHECK(d.magnitude == 0.42);
  CHECK(d.p_value == 0.003);
  CHECK(d.confidence == 0.97);
  CHECK(d.observed_from == 1795256400000 - 80 * 60'000);  // 09:00, the observation's start
  CHECK(d.affected_metrics == std::vector<std::string>{"quality_score", "refusal_rate"});
  CHECK(d.recommendation == "shift");
}

TEST_CASE("sentinel: a drift without an observation period has none", "[sentinel]") {
  auto s = parse_ok(topic_kind::sentinel, R"({"driftId":"d-20","detectedAt":1000,
    "type":"quality_drift","modelId":"openai:gpt-4o","magnitude":0.3,"pValue":0.01,
    "confidence":0.9,"baselinePeriod":{"start":0,"end":500}})");
  CHECK(body_as<drift_signal>(s).observed_from == 0);
  auto e = parse_error(topic_kind::sentinel, R"({"driftId":"d-21","detectedAt":1000,
    "type":"quality_drift","modelId":"openai:gpt-4o","magnitude":0.3,"pValue":0.01,
    "confidence":0.9,"observationPeriod":{"start":"yesterday"}})");
  CHECK(e.detail.find("observationPeriod.start") != std::string::npos);
}

TEST_CASE("sentinel: probabilities outside [0, 1] are out_of_range", "[sentinel][detail]") {
  auto e = parse_error(topic_kind::sentinel, R"({"drift_id":"d-1","detected_at":0,
    "type":"cost_drift","model_id":"gpt-4o","provider":"openai","magnitude":1.5,
    "p_value":0.1,"confidence":0.5})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "magnitude: expected a number in [0, 1], got 1.5");
}

TEST_CASE("sentinel: an active anomaly event", "[sentinel]") {
  auto s = parse_ok(topic_kind::sentinel, R"({"anomalyId":"a-17",
    "detectedAt":"2026-11-21T10:21:00Z","type":"availability_issue","severity":"critical",
    "modelId":"gemini-1.5-pro","provider":"google","metric":"error_rate","observedValue":0.35,
    "expectedValue":0.01,"threshold":0.05,"deviationPercent":3400,"isActive":true})");
  CHECK(s.kind() == signal_kind::anomaly);
  CHECK(s.id == "a-17");
  CHECK(s.model == "google:gemini-1.5-pro");
  auto& a = body_as<anomaly_event>(s);
  CHECK(a.anomaly_id == "a-17");
  CHECK(a.type == anomaly_type::availability_issue);
  CHECK(a.level == severity::critical);
  CHECK(a.metric == "error_rate");
  CHECK(a.observed_value == 0.35);
  CHECK(a.expected_value == 0.01);
  CHECK(a.threshold == 0.05);
  CHECK(a.deviation_percent == 3400);
  CHECK(a.active);
}

TEST_CASE("sentinel: isActive false or resolvedAt resolves an anomaly", "[sentinel]") {
  auto inactive = parse_ok(topic_kind::sentinel, R"({"anomaly_id":"a-17","detected_at":1000,
    "type":"custom","severity":"warning","model_id":"openai:gpt-4o","is_active":false})");
  CHECK_FALSE(body_as<anomaly_event>(inactive).active);
  CHECK(body_as<anomaly_event>(inactive).level == severity::medium);
  CHECK(inactive.at == 1000);

  auto resolved = parse_ok(topic_kind::sentinel, R"({"anomalyId":"a-17","detectedAt":1000,
    "type":"custom","severity":"info","modelId":"openai:gpt-4o","resolvedAt":5000})");
  CHECK_FALSE(body_as<anomaly_event>(resolved).active);
  CHECK(body_as<anomaly_event>(resolved).level == severity::low);
  CHECK(resolved.at == 5000);
}

TEST_CASE("sentinel: the Rust alert layout becomes an anomaly event", "[sentinel][rust]") {
  auto s = parse_ok(topic_kind::sentinel, R"({"alert_id":"al-9",
    "timestamp":"2026-11-21T10:22:00Z","severity":"error","anomaly_type":"latency_spike",
    "service_name":"openai","model":"gpt-4o","detection_method":"zscore","confidence":0.93,
    "details":{"metric":"p95_latency_ms","value":3000,"baseline":1500,"threshold":2500,
    "deviation_sigma":4.2}})");
  CHECK(s.kind() == signal_kind::anomaly);
  CHECK(s.id == "al-9");
  CHECK(s.at == 1795256520000);
  CHECK(s.model == "openai:gpt-4o");
  auto& a = body_as<anomaly_event>(s);
  CHECK(a.anomaly_id == "al-9");
  CHECK(a.type == anomaly_type::latency_spike);
  CHECK(a.level == severity::high);
  CHECK(a.metric == "p95_latency_ms");
  CHECK(a.observed_value == 3000);
  CHECK(a.expected_value == 1500);
  CHECK(a.threshold == 2500);
  CHECK(a.deviation_percent == Approx(100));
  CHECK(a.active);
}

TEST_CASE("sentinel: Rust alert model key rules", "[sentinel][rust][model]") {
  auto with_colon = parse_ok(topic_kind::sentinel, R"({"alert_id":"al-1","timestamp":0,
    "severity":"Critical","anomaly_type":"custom","service_name":"gateway",
    "model":"anthropic:claude-3-opus"})");
  CHECK(with_colon.model == "anthropic:claude-3-opus");
  CHECK(body_as<anomaly_event>(with_colon).level == severity::critical);

  auto bare = parse_ok(topic_kind::sentinel, R"({"alert_id":"al-2","timestamp":0,
    "severity":"info","anomaly_type":"custom","model":"gpt-4o"})");
  CHECK(bare.model == "gpt-4o");

  auto e = parse_error(topic_kind::sentinel, R"({"alert_id":"al-3","timestamp":0,
    "severity":"info","anomaly_type":"solar_flare","model":"gpt-4o"})");
  CHECK(e.code == "unknown_enum");
  CHECK(e.detail == "anomaly_type: unknown value \"solar_flare\"");
}

TEST_CASE("sentinel: nested and list fields are named with their path", "[sentinel][detail]") {
  auto e = parse_error(topic_kind::sentinel, R"({"alert_id":"al-3","timestamp":0,
    "severity":"info","anomaly_type":"custom","model":"gpt-4o","details":{"value":"high"}})");
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "details.value: expected a number, got string");

  e = parse_error(topic_kind::sentinel, R"({"driftId":"d-1","detectedAt":0,"type":"cost_drift",
    "modelId":"gpt-4o","provider":"openai","magnitude":0.1,"pValue":0.1,"confidence":0.5,
    "affectedMetrics":["a",7]})");
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "affectedMetrics[1]: expected a string, got integer");

  e = parse_error(topic_kind::sentinel, R"({"driftId":"d-1","detectedAt":0,"type":"cost_drift",
    "modelId":"gpt-4o","provider":"openai","magnitude":0.1,"pValue":0.1,"confidence":0.5,
    "baselinePeriod":{"start":"then"}})");
  CHECK(e.code == "bad_timestamp");
  CHECK(e.detail.rfind("baselinePeriod.start: ", 0) == 0);
}
