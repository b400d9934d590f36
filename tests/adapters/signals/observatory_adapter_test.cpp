#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

TEST_CASE("observatory: a span is one call outcome", "[observatory][span]") {
  auto s = parse_ok(topic_kind::observatory, R"({"traceId":"t1","spanId":"s1",
    "operationName":"chat","serviceName":"gateway","startTime":"2026-11-21T10:15:00Z",
    "endTime":"2026-11-21T10:15:01.25Z","durationMs":1250,"status":"ok",
    "attributes":{"gen_ai.request.model":"ignored-when-resource-has-one","gen_ai.system":"x",
    "gen_ai.usage.input_tokens":120,"gen_ai.usage.output_tokens":45,"llmopt.route":"chat"},
    "resource":{"modelId":"gpt-4o","provider":"openai","version":"1","environment":"prod"},
    "events":[],"links":[]})");
  CHECK(s.kind() == signal_kind::call_outcome);
  CHECK(s.id == "t1/s1");
  CHECK(s.at == 1795256101250);
  CHECK(s.model == "openai:gpt-4o");
  auto& c = body_as<call_outcome>(s);
  CHECK(c.status == call_status::ok);
  CHECK(c.latency_ms == 1250);
  CHECK(c.input_tokens == 120);
  CHECK(c.output_tokens == 45);
  CHECK(c.route == "chat");
  CHECK_FALSE(c.cost_usd.has_value());
}

TEST_CASE("observatory: OpenTelemetry GenAI attributes name the model", "[observatory][span]") {
  auto s = parse_ok(topic_kind::observatory, R"({"trace_id":"t1","span_id":"s2",
    "start_time":1000,"end_time":1800,"status":"ERROR","error_message":"boom",
    "attributes":{"gen_ai.request.model":"claude-3-5-sonnet","gen_ai.system":"anthropic"}})");
  CHECK(s.model == "anthropic:claude-3-5-sonnet");
  CHECK(s.at == 1800);
  auto& c = body_as<call_outcome>(s);
  CHECK(c.status == call_status::error);
  CHECK(c.latency_ms == 800);  // endTime - startTime
  CHECK(c.input_tokens == 0);
  CHECK(c.route.empty());
}

TEST_CASE("observatory: span timing rules", "[observatory][span]") {
  auto start_only = parse_ok(topic_kind::observatory, R"({"traceId":"t","spanId":"s",
    "startTime":1000,"durationMs":250.4,"status":"timeout"})");
  CHECK(start_only.at == 1250);
  CHECK(body_as<call_outcome>(start_only).status == call_status::timeout);
  CHECK(start_only.model.empty());

  auto e = parse_error(topic_kind::observatory, R"({"traceId":"t","spanId":"s",
    "startTime":2000,"endTime":1000,"status":"ok"})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "endTime: before startTime");

  e = parse_error(topic_kind::observatory, R"({"traceId":"t","spanId":"s",
    "startTime":0,"endTime":86400001,"status":"ok"})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "endTime: more than a day after startTime");

  e = parse_error(topic_kind::observatory, R"({"traceId":"t","spanId":"s",
    "startTime":0,"durationMs":1e12,"status":"ok"})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail.rfind("durationMs: expected a duration in ms", 0) == 0);

  e = parse_error(topic_kind::observatory, R"({"traceId":"t","spanId":"s",
    "startTime":2000,"status":"ok"})");
  CHECK(e.code == "missing_field");
  CHECK(e.detail.rfind("durationMs: missing", 0) == 0);

  e = parse_error(topic_kind::observatory, R"({"traceId":"t","spanId":"s","durationMs":5,
    "startTime":0,"status":"ok","attributes":{"gen_ai.usage.input_tokens":1.5}})");
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "attributes.gen_ai.usage.input_tokens: expected an integer, got 1.5");
}

TEST_CASE("observatory: quality feedback is normalised to [0, 1]", "[observatory][feedback]") {
  auto quality = parse_ok(topic_kind::observatory, R"({"eventId":"fb-1","timestamp":0,
    "type":"custom","modelId":"gpt-4o","provider":"openai",
    "data":{"quality":0.8,"route":"support-chat"}})");
  CHECK(quality.kind() == signal_kind::quality_feedback);
  CHECK(quality.model == "openai:gpt-4o");
  CHECK(body_as<quality_feedback>(quality).quality == 0.8);
  CHECK(body_as<quality_feedback>(quality).route == "support-chat");

  auto rating = parse_ok(topic_kind::observatory, R"({"event_id":"fb-2","timestamp":0,
    "type":"request.complete","data":{"rating":4}})");
  CHECK(body_as<quality_feedback>(rating).quality == 0.75);
  CHECK(body_as<quality_feedback>(rating).route.empty());

  auto one_star = parse_ok(topic_kind::observatory, R"({"eventId":"fb-3","timestamp":0,
    "type":"custom","data":{"rating":1}})");
  CHECK(body_as<quality_feedback>(one_star).quality == 0);

  auto liked = parse_ok(topic_kind::observatory, R"({"eventId":"fb-4","timestamp":0,
    "type":"custom","data":{"liked":true}})");
  CHECK(body_as<quality_feedback>(liked).quality == 1);
  auto disliked = parse_ok(topic_kind::observatory, R"({"eventId":"fb-5","timestamp":0,
    "type":"custom","data":{"liked":false}})");
  CHECK(body_as<quality_feedback>(disliked).quality == 0);

  auto e = parse_error(topic_kind::observatory, R"({"eventId":"fb-6","timestamp":0,
    "type":"custom","data":{"rating":0}})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "data.rating: expected a number in [1, 5], got 0");
}

TEST_CASE("observatory: other structured events are counted as such", "[observatory]") {
  auto s = parse_ok(topic_kind::observatory, R"({"eventId":"ev-1","timestamp":0,
    "type":"cache.hit","category":"cache","severity":"info","data":{"quality":0.9}})");
  CHECK(s.kind() == signal_kind::structured_event);
  CHECK(s.model.empty());
  CHECK(body_as<structured_event>(s).type == "cache.hit");
  CHECK(body_as<structured_event>(s).category == "cache");

  auto plain_custom =
      parse_ok(topic_kind::observatory, R"({"eventId":"ev-2","timestamp":0,"type":"custom"})");
  CHECK(plain_custom.kind() == signal_kind::structured_event);

  auto e = parse_error(topic_kind::observatory,
                       R"({"eventId":"ev-3","timestamp":0,"type":"request.maybe"})");
  CHECK(e.code == "unknown_enum");
  CHECK(e.detail == "type: unknown value \"request.maybe\"");
}
