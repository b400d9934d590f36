#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

TEST_CASE("shield: a policy block with its route", "[shield]") {
  auto s = parse_ok(topic_kind::shield, R"({"eventId":"pb-3","timestamp":"2026-11-21T10:30:00Z",
    "requestId":"req-1","policyId":"pol-7","policyName":"EU only","reason":"geo_restriction",
    "severity":"high","modelId":"gpt-4o","provider":"openai","action":"block",
    "clientId":"cl-1","metadata":{"route":"support-chat"}})");
  CHECK(s.kind() == signal_kind::policy_block);
  CHECK(s.id == "pb-3");
  CHECK(s.at == 1795257000000);
  CHECK(s.model == "openai:gpt-4o");
  auto& p = body_as<policy_block>(s);
  CHECK(p.policy_id == "pol-7");
  CHECK(p.policy_name == "EU only");
  CHECK(p.reason == policy_reason::geo_restriction);
  CHECK(p.level == severity::high);
  CHECK(p.action == policy_action::block);
  CHECK(p.route == "support-chat");
  CHECK(is_urgent(s));
}

TEST_CASE("shield: a snake_case policy block without route or name", "[shield]") {
  auto s = parse_ok(topic_kind::shield, R"({"event_id":"pb-4","timestamp":0,"policy_id":"p",
    "reason":"unauthorized_model","severity":"low","model_id":"ollama:llama3","action":"warn",
    "policy_name":"","client_id":null})");
  auto& p = body_as<policy_block>(s);
  CHECK(p.reason == policy_reason::unauthorized_model);
  CHECK(p.action == policy_action::warn);
  CHECK(p.policy_name.empty());
  CHECK(p.route.empty());
  CHECK(s.model == "ollama:llama3");
}

TEST_CASE("shield: a PII detection", "[shield]") {
  auto s = parse_ok(topic_kind::shield, R"({"signalId":"pii-4",
    "timestamp":"2026-11-21T10:31:00Z","direction":"output","piiTypes":["email","phone"],
    "detections":[{"type":"email","confidence":0.99,"offsetStart":10,"offsetEnd":28,
    "redactedValue":"[EMAIL]","method":"regex"}],"action":"redact","contentModified":true,
    "modelId":"claude-3-5-sonnet","provider":"anthropic","riskScore":0.7})");
  CHECK(s.kind() == signal_kind::pii_detection);
  CHECK(s.id == "pii-4");
  CHECK(s.model == "anthropic:claude-3-5-sonnet");
  auto& p = body_as<pii_detection>(s);
  CHECK(p.direction == pii_direction::output);
  CHECK(p.pii_types == std::vector<std::string>{"email", "phone"});
  CHECK(p.action == pii_action::redact);
  CHECK(p.content_modified);
  CHECK(p.risk_score == 0.7);
}

TEST_CASE("shield: PII types come from detections when piiTypes is absent", "[shield]") {
  auto s = parse_ok(topic_kind::shield, R"({"signal_id":"pii-5","timestamp":0,
    "direction":"input","detections":[{"type":"email"},{"type":"ssn"},{"type":"email"}],
    "action":"log","model_id":"gpt-4o","provider":"openai","risk_score":0})");
  auto& p = body_as<pii_detection>(s);
  CHECK(p.pii_types == std::vector<std::string>{"email", "ssn"});
  CHECK_FALSE(p.content_modified);
  CHECK(p.direction == pii_direction::input);
}

TEST_CASE("shield: details name the field, through arrays too", "[shield][detail]") {
  auto e = parse_error(topic_kind::shield, R"({"signalId":"pii-5","timestamp":0,
    "direction":"input","detections":[{"type":"email"},{"type":"ssn","confidence":3}],
    "action":"log","modelId":"gpt-4o","provider":"openai","riskScore":0})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "detections[1].confidence: expected a number in [0, 1], got 3");

  e = parse_error(topic_kind::shield, R"({"signalId":"pii-5","timestamp":0,
    "direction":"input","detections":["email"],"action":"log","modelId":"gpt-4o",
    "provider":"openai","riskScore":0})");
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "detections[0]: expected an object, got string");

  e = parse_error(topic_kind::shield, R"({"eventId":"pb-3","timestamp":0,"policyId":"p",
    "reason":"too_spicy","severity":"low","modelId":"gpt-4o","provider":"openai",
    "action":"warn"})");
  CHECK(e.code == "unknown_enum");
  CHECK(e.detail == "reason: unknown value \"too_spicy\"");

  e = parse_error(topic_kind::shield, R"({"signalId":"pii-5","timestamp":0,
    "direction":"output","action":"log","modelId":"gpt-4o","provider":"openai","riskScore":1.5})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "riskScore: expected a number in [0, 1], got 1.5");
}
