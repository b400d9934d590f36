#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

namespace {

std::string envelope(std::string_view type, std::string_view data, std::string_view extra = "") {
  std::string out = R"({"specversion":"1.0","id":"env-1","source":"/x","type":")";
  out.append(type).append(R"(","time":"2026-11-21T10:15:03Z")");
  out.append(extra).append(R"(,"data":)").append(data).append("}");
  return out;
}

constexpr auto cost_without_id_or_time = R"({"modelId":"gpt-4o","provider":"openai",
  "inputTokens":1,"outputTokens":2,"costUsd":0.5})";

}  // namespace

TEST_CASE("cloudevents: the payload's own id and time win", "[cloudevents]") {
  auto s = parse_ok(topic_kind::cost, envelope("com.llmdevops.costops.telemetry.v1",
                                               R"({"eventId":"c-9","timestamp":5,
    "modelId":"gpt-4o","provider":"openai","inputTokens":1,"outputTokens":2,"costUsd":0.5})"));
  CHECK(s.id == "c-9");
  CHECK(s.at == 5);
}

TEST_CASE("cloudevents: envelope id and time fill in for the payload's", "[cloudevents]") {
  auto s = parse_ok(topic_kind::cost,
                    envelope("com.llmdevops.costops.telemetry.v1", cost_without_id_or_time));
  CHECK(s.id == "env-1");
  CHECK(s.at == 1795256103000);
  CHECK(body_as<cost_sample>(s).cost_usd == 0.5);

  auto profile = parse_ok(topic_kind::latency, envelope("io.latency-lens.profile",
                                                        R"({"modelId":"gpt-4o","provider":"openai",
    "timestamp":7,"p50Ms":1,"p90Ms":2,"p95Ms":3,"p99Ms":4,"meanMs":2,"stdDevMs":1,"sampleCount":9})"));
  CHECK(profile.kind() == signal_kind::latency_profile);
  CHECK(profile.id == "env-1");
  CHECK(profile.at == 7);
}

TEST_CASE("cloudevents: the type picks the family, else the topic does", "[cloudevents]") {
  auto drift_data = R"({"driftId":"d-1","detectedAt":0,"type":"cost_drift","modelId":"gpt-4o",
    "provider":"openai","magnitude":0.2,"pValue":0.01,"confidence":0.9})";
  auto on_cost =
      parse_ok(topic_kind::cost, envelope("com.llmdevops.Sentinel.drift.v1", drift_data));
  CHECK(on_cost.kind() == signal_kind::drift);

  auto unnamed = parse_ok(topic_kind::sentinel, envelope("com.example.thing", drift_data));
  CHECK(unnamed.kind() == signal_kind::drift);

  auto e = parse_error(topic_kind::sentinel, envelope("com.llmdevops.cost-ops.v1", drift_data));
  CHECK(e.code == "unknown_kind");
  CHECK(e.detail.rfind("data: unrecognised cost object", 0) == 0);
}

TEST_CASE("cloudevents: payload errors are named under data", "[cloudevents][detail]") {
  auto e = parse_error(topic_kind::cost, envelope("costops", R"({"eventId":"c-1",
    "modelId":"gpt-4o","provider":"openai","inputTokens":1,"outputTokens":2,"costUsd":-0.5})"));
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "data.costUsd: expected a number >= 0, got -0.5");
}

TEST_CASE("cloudevents: malformed envelopes are bad_envelope", "[cloudevents][detail]") {
  auto e =
      parse_error(topic_kind::cost, R"({"specversion":"0.3","id":"x","type":"costops","data":{}})");
  CHECK(e.code == "bad_envelope");
  CHECK(e.detail == "specversion: expected \"1.0\", got \"0.3\"");

  e = parse_error(topic_kind::cost, R"({"specversion":"1.0","id":"x","type":"costops"})");
  CHECK(e.code == "bad_envelope");
  CHECK(e.detail == "data: missing");

  e = parse_error(topic_kind::cost, R"({"specversion":"1.0","data":[1]})");
  CHECK(e.code == "bad_envelope");
  CHECK(e.detail == "data: expected an object, got array");

  e = parse_error(topic_kind::cost, R"({"specversion":"1.0","data_base64":"e30="})");
  CHECK(e.code == "bad_envelope");

  e = parse_error(topic_kind::cost, R"({"specversion":"1.0","type":7,"data":{}})");
  CHECK(e.code == "bad_envelope");
  CHECK(e.detail.rfind("type:", 0) == 0);

  e = parse_error(topic_kind::cost,
                  envelope("costops", cost_without_id_or_time, R"(,"datacontenttype":"text/xml")"));
  CHECK(e.code == "bad_envelope");

  e = parse_error(topic_kind::cost, R"({"specversion":"1.0","time":"now","data":{}})");
  CHECK(e.code == "bad_timestamp");
  CHECK(e.detail.rfind("time:", 0) == 0);
}

TEST_CASE("cloudevents: JSON content types with parameters are accepted", "[cloudevents]") {
  auto s =
      parse_ok(topic_kind::cost,
               envelope("costops", cost_without_id_or_time,
                        R"(,"datacontenttype":"application/cloudevents+json; charset=utf-8")"));
  CHECK(s.kind() == signal_kind::cost);
}

TEST_CASE("cloudevents: event types name families", "[cloudevents]") {
  CHECK(topic_named_by_event_type("com.llmdevops.costops.telemetry.v1") == topic_kind::cost);
  CHECK(topic_named_by_event_type("LatencyLens.Profile") == topic_kind::latency);
  CHECK(topic_named_by_event_type("latency_lens") == topic_kind::latency);
  CHECK(topic_named_by_event_type("x.shield.pii") == topic_kind::shield);
  CHECK(topic_named_by_event_type("x.observatory.span") == topic_kind::observatory);
  CHECK_FALSE(topic_named_by_event_type("com.example.cost").has_value());
  CHECK_FALSE(topic_named_by_event_type("").has_value());
}
