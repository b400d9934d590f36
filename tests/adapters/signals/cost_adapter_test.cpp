#include <catch2/catch.hpp>

#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

namespace {

constexpr auto spec_example = R"({"eventId":"c-81f3","timestamp":"2026-11-21T10:15:02.113Z",
 "modelId":"gpt-4o","provider":"openai","inputTokens":812,"outputTokens":233,"costUsd":0.00436,
 "latencyMs":1432.5,"metadata":{"route":"support-chat","tenant":"acme"}})";

// 2026-11-21T10:15:02.113Z
constexpr time_ms spec_time = 1795256102113;

}  // namespace

TEST_CASE("cost: the spec example becomes a cost_sample field by field", "[cost]") {
  auto s = parse_ok(topic_kind::cost, spec_example);
  CHECK(s.kind() == signal_kind::cost);
  CHECK(s.id == "c-81f3");
  CHECK(s.at == spec_time);
  CHECK(s.model == "openai:gpt-4o");
  auto& c = body_as<cost_sample>(s);
  CHECK(c.input_tokens == 812);
  CHECK(c.output_tokens == 233);
  CHECK(c.cost_usd == Approx(0.00436));
  REQUIRE(c.latency_ms.has_value());
  CHECK(*c.latency_ms == Approx(1432.5));
  CHECK(c.route == "support-chat");
  CHECK(c.tenant == "acme");
}

TEST_CASE("cost: snake_case spelling gives the same signal", "[cost]") {
  auto s = parse_ok(topic_kind::cost, R"({"event_id":"c-81f3","timestamp":1795256102113,
    "model_id":"gpt-4o","provider":"openai","input_tokens":812,"output_tokens":233,
    "cost_usd":0.00436,"latency_ms":1432.5,"metadata":{"route":"support-chat"}})");
  CHECK(s.id == "c-81f3");
  CHECK(s.at == spec_time);
  CHECK(s.model == "openai:gpt-4o");
  auto& c = body_as<cost_sample>(s);
  CHECK(c.input_tokens == 812);
  CHECK(c.cost_usd == Approx(0.00436));
  CHECK(c.route == "support-chat");
  CHECK(c.tenant.empty());
}

TEST_CASE("cost: optional fields default when absent or null", "[cost]") {
  auto s = parse_ok(topic_kind::cost, R"({"eventId":"c-1","timestamp":"2026-11-21T10:15:02Z",
    "modelId":"gpt-4o","provider":"openai","inputTokens":1,"outputTokens":2,"costUsd":0,
    "latencyMs":null,"unknownField":{"deep":[1,2,3]}})");
  auto& c = body_as<cost_sample>(s);
  CHECK_FALSE(c.latency_ms.has_value());
  CHECK(c.route.empty());
  CHECK(c.cost_usd == 0);
}

TEST_CASE("cost: a modelId already holding a provider is the model key as is", "[cost][model]") {
  auto s = parse_ok(topic_kind::cost, R"({"eventId":"c-1","timestamp":"2026-11-21T10:15:02Z",
    "modelId":"anthropic:claude-3-5-haiku","provider":"bedrock","inputTokens":1,
    "outputTokens":2,"costUsd":0.1})");
  CHECK(s.model == "anthropic:claude-3-5-haiku");
  auto no_provider = parse_ok(topic_kind::cost, R"({"eventId":"c-1","timestamp":0,
    "modelId":"ollama:llama3","inputTokens":1,"outputTokens":2,"costUsd":0.1})");
  CHECK(no_provider.model == "ollama:llama3");
}

TEST_CASE("cost: bad fields are named in the detail", "[cost][detail]") {
  auto base = std::string(spec_example);
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string copy = base;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  auto e = parse_error(topic_kind::cost, replace("\"costUsd\":0.00436", "\"costUsd\":-1"));
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "costUsd: expected a number >= 0, got -1");

  e = parse_error(topic_kind::cost, replace("\"latencyMs\":1432.5", "\"latencyMs\":90000000"));
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "latencyMs: expected a duration in ms in [0, 86400000] (a day), got 90000000");

  e = parse_error(topic_kind::cost, replace("\"costUsd\":0.00436", "\"cost_usd\":\"cheap\""));
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "cost_usd: expected a number, got string");

  e = parse_error(topic_kind::cost, replace("\"inputTokens\":812", "\"inputTokens\":8.5"));
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "inputTokens: expected an integer, got 8.5");

  e = parse_error(topic_kind::cost, replace("\"outputTokens\":233", "\"outputTokens\":-2"));
  CHECK(e.code == "out_of_range");
  CHECK(e.detail == "outputTokens: expected an integer >= 0, got -2");

  e = parse_error(topic_kind::cost, replace("\"provider\":\"openai\",", ""));
  CHECK(e.code == "missing_field");
  CHECK(e.detail.rfind("provider: missing", 0) == 0);

  e = parse_error(topic_kind::cost, replace("\"modelId\":\"gpt-4o\",", ""));
  CHECK(e.code == "missing_field");
  CHECK(e.detail == "modelId: missing");

  e = parse_error(topic_kind::cost, replace("\"route\":\"support-chat\"", "\"route\":[]"));
  CHECK(e.code == "wrong_type");
  CHECK(e.detail == "metadata.route: expected a string, got array");

  e = parse_error(topic_kind::cost, replace("2026-11-21T10:15:02.113Z", "2026-11-21"));
  CHECK(e.code == "bad_timestamp");
  CHECK(e.detail.rfind("timestamp: ", 0) == 0);
  CHECK(e.detail.find("\"2026-11-21\"") != std::string::npos);
}

TEST_CASE("cost: the first bad field in reading order is reported", "[cost][detail]") {
  auto e = parse_error(topic_kind::cost, R"({"eventId":"c-1","timestamp":"2026-11-21T10:15:02Z",
    "modelId":"gpt-4o","provider":"openai","inputTokens":-1,"outputTokens":"x","costUsd":-5})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail.rfind("inputTokens:", 0) == 0);
}

TEST_CASE("cost: an object with no cost keys is unknown_kind", "[cost]") {
  auto e = parse_error(topic_kind::cost, R"({"profileId":"lp-1"})");
  CHECK(e.code == "unknown_kind");
  CHECK(e.detail.find("eventId") != std::string::npos);
}
