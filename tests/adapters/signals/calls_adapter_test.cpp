// The calls topic: what an instance writes of its call reads back as the
// same signal on every instance.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/signals/calls_topic.hpp"
#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::body_as;
using llmopt::test::parse_error;
using llmopt::test::parse_ok;

namespace {

typed_signal streamed_call() {
  call_outcome c;
  c.route = "support-chat";
  c.status = call_status::ok;
  c.latency_ms = 1250.5;
  c.input_tokens = 120;
  c.output_tokens = 45;
  c.billed_usd = 0.0009;
  c.ttft_ms = 310;
  c.inter_token_ms = 22.5;
  c.output_tokens_per_s = 44.4;
  const model_price price{2.5, 10};
  auto s = router_call_signal("openai:gpt-4o", c, &price, 1795256401250);
  s.id = "llmopt-1:42";
  return s;
}

}  // namespace

TEST_CASE("calls: a streamed call reads back as the same signal", "[calls]") {
  const auto sent = streamed_call();
  const std::string message = call_message(sent, "llmopt-1");
  auto back = parse_ok(topic_kind::calls, message);
  CHECK(back.kind() == signal_kind::call_outcome);
  CHECK(back.id == "llmopt-1:42");
  CHECK(back.at == sent.at);
  CHECK(back.model == "openai:gpt-4o");
  const auto& a = body_as<call_outcome>(sent);
  const auto& b = body_as<call_outcome>(back);
  CHECK(b.route == a.route);
  CHECK(b.status == call_status::ok);
  CHECK(b.latency_ms == a.latency_ms);
  CHECK(b.input_tokens == 120);
  CHECK(b.output_tokens == 45);
  CHECK(b.cost_usd == a.cost_usd);  // the billed cost, believed over the list price
  CHECK(b.cost_usd == 0.0009);
  CHECK(b.billed_usd == a.billed_usd);
  CHECK(b.ttft_ms == a.ttft_ms);
  CHECK(b.inter_token_ms == a.inter_token_ms);
  CHECK(b.output_tokens_per_s == a.output_tokens_per_s);
  CHECK(nlohmann::json::parse(message)["instance"] == "llmopt-1");
}

TEST_CASE("calls: a failed call carries what it has, and nothing it has not", "[calls]") {
  call_outcome c;
  c.status = call_status::timeout;
  c.latency_ms = 30000;
  auto sent = router_call_signal("anthropic:claude-3-5-sonnet", c, nullptr, 1000);
  sent.id = "i:7";
  const std::string message = call_message(sent, "");
  const auto j = nlohmann::json::parse(message);
  CHECK_FALSE(j.contains("instance"));
  CHECK_FALSE(j.contains("costUsd"));
  CHECK_FALSE(j.contains("ttftMs"));
  CHECK_FALSE(j.contains("route"));
  auto back = parse_ok(topic_kind::calls, message);
  const auto& b = body_as<call_outcome>(back);
  CHECK(b.status == call_status::timeout);
  CHECK(b.latency_ms == 30000);
  CHECK_FALSE(b.cost_usd);
  CHECK_FALSE(b.ttft_ms);
  CHECK(back.at == 1000);
}

TEST_CASE("calls: a bad call names its field", "[calls]") {
  auto e = parse_error(topic_kind::calls, R"({"callId":"i:1","at":1000,"modelId":"openai:gpt-4o",
    "status":"ok","latencyMs":-5})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail.find("latencyMs") != std::string::npos);
  e = parse_error(topic_kind::calls, R"({"callId":"i:1","at":1000,"modelId":"openai:gpt-4o",
    "status":"ok","latencyMs":5,"outputTokensPerS":2e6})");
  CHECK(e.code == "out_of_range");
  CHECK(e.detail.find("outputTokensPerS") != std::string::npos);
  e = parse_error(topic_kind::calls, R"({"at":1000,"modelId":"openai:gpt-4o"})");
  CHECK(e.code == "unknown_kind");
  e = parse_error(topic_kind::calls, R"({"callId":"i:1","at":1000,"modelId":"openai:gpt-4o",
    "status":"maybe","latencyMs":5})");
  CHECK(e.detail.find("status") != std::string::npos);
}
