#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

TEST_CASE("latency: a profile keeps every percentile", "[latency]") {
  auto s = parse_ok(topic_kind::latency, R"({"profileId":"lp-77","modelId":"claude-3-5-sonnet",
    "provider":"anthropic","timestamp":"2026-11-21T10:15:00Z","p50Ms":820,"p90Ms":1400,
    "p95Ms":1710,"p99Ms":2900,"meanMs":930,"stdDevMs":410,"sampleCount":512,"ttftMs":310})");
  CHECK(s.kind() == signal_kind::latency_profile);
  CHECK(s.id == "lp-77");
  CHECK(s.at == 1795256100000);
  CHECK(s.model == "anthropic:claude-3-5-sonnet");
  auto& p = body_as<latency_profile>(s);
  CHECK(p.p50_ms == 820);
  CHECK(p.p90_ms == 1400);
  CHECK(p.p95_ms == 1710);
  CHECK(p.p99_ms == 2900);
  CHECK(p.mean_ms == 930);
  CHECK(p.std_dev_ms == 410);
  CHECK(p.sample_count == 512);
  REQUIRE(p.ttft_ms.has_value());
  CHECK(*p.ttft_ms == 310);
  CHECK_FALSE(p.tokens_per_second.has_value());
}

TEST_CASE("latency: a snake_case profile", "[latency]") {
  auto s = parse_ok(topic_kind::latency, R"({"profile_id":"lp-1","model_id":"gpt-4o",
    "provider":"openai","timestamp":"2026-11-21T11:15:00+01:00","p50_ms":1.5,"p90_ms":2,
    "p95_ms":2.5,"p99_ms":3,"mean_ms":1.7,"std_dev_ms":0.2,"sample_count":10,
    "tokens_per_second":48.5})");
  CHECK(s.at == 1795256100000);
  auto& p = body_as<latency_profile>(s);
  CHECK(p.p50_ms == 1.5);
  CHECK(p.std_dev_ms == Approx(0.2));
  CHECK(p.sample_count == 10);
  REQUIRE(p.tokens_per_second.has_value());
  CHECK(*p.tokens_per_second == 48.5);
}

TEST_CASE("latency: an anomaly keeps its enums and values", "[latency]") {
  auto s = parse_ok(topic_kind::latency, R"({"anomalyId":"la-5","modelId":"gpt-4o",
    "provider":"openai","detectedAt":"2026-11-21T10:16:00.5+00:00","type":"timeout_increase",
    "severity":"critical","observedValue":4200,"baselineValue":1500,"deviationPercent":-12.5})");
  CHECK(s.kind() == signal_kind::latency_anomaly);
  CHECK(s.id == "la-5");
  CHECK(s.at == 1795256160500);
  auto& a = body_as<latency_anomaly>(s);
  CHECK(a.type == latency_anomaly_type::timeout_increase);
  CHECK(a.level == severity::critical);
  CHECK(a.observed_value == 4200);
  CHECK(a.baseline_value == 1500);
  CHECK(a.deviation_percent == -12.5);
}

TEST_CASE("latency: details name the offending field", "[latency][detail]") {
  auto e = parse_error(topic_kind::latency, R"({"anomalyId":"la-5","modelId":"gpt-4o",
    "provider":"openai","detectedAt":"2026-11-21T10:16:00Z","type":"spike",
    "severity":"urgent","observedValue":1,"baselineValue":1,"deviationPercent":0})");
  CHECK(e.code == "unknown_enum");
  CHECK(e.detail == "severity: unknown value \"urgent\"");

  e = parse_error(topic_kind::latency, R"({"profileId":"lp-1","modelId":"gpt-4o",
    "provider":"openai","timestamp":0,"p50_ms":1,"p90_ms":1,"p99_ms":1,"mean_ms":1,
    "std_dev_ms":0,"sample_count":1})");
  CHECK(e.code == "missing_field");
  CHECK(e.detail == "p95Ms: missing");

  e = parse_error(topic_kind::latency, R"({"profileId":"lp-1","modelId":"gpt-4o",
    "provider":"openai","timestamp":0,"p50Ms":1,"p90Ms":1,"p95Ms":1,"p99Ms":1,"meanMs":1,
    "stdDevMs":0,"sampleCount":1,"ttftMs":-4})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "ttftMs: expected a duration in ms in [0, 86400000] (a day), got -4");

  // A mean of 1e306 ms is no call's: it would swamp the model's latency.
  e = parse_error(topic_kind::latency, R"({"profileId":"lp-1","modelId":"gpt-4o",
    "provider":"openai","timestamp":0,"p50Ms":1,"p90Ms":1,"p95Ms":1,"p99Ms":1,"meanMs":1e306,
    "stdDevMs":0,"sampleCount":1})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "meanMs: expected a duration in ms in [0, 86400000] (a day), got 1e+306");
}

TEST_CASE("latency: neither profileId nor anomalyId is unknown_kind", "[latency]") {
  auto e = parse_error(topic_kind::latency, R"({"modelId":"gpt-4o"})");
  CHECK(e.code == "unknown_kind");
  CHECK(e.detail == "unrecognised latency object: no profileId or anomalyId");
}
