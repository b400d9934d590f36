#include "actors/metrics_page.hpp"

#include <prometheus/registry.h>
#include <catch2/catch.hpp>

#include "actors/gateway_metrics.hpp"
#include "tests/support/prometheus_text.hpp"

namespace llmopt {
namespace {

using test::parse_prometheus_text;
using test::promtool_check;
using test::sum_of;

metrics_sources documents() {
  metrics_sources s;
  s.routes["chat"] =
      route_weights{"chat", 7, {{"openai:gpt-4o", 0.75}, {"openai:gpt-4o-mini", 0.25}}};
  s.pipeline = nlohmann::json::parse(R"({
    "sources": {"cost": {"received": 5, "applied": 3, "duplicates": 1, "dead_lettered": 1}},
    "applied_by_kind": {"cost": 3},
    "checkpoint": {"at_ms": 1000, "id": 2, "error": ""},
    "dedup_ids": 4,
    "collector": {"in_flight": 2, "paused": true, "pauses": 1, "partitions": 4,
                  "lag": [{"topic": "llm.signals.cost", "partition": 1, "messages": 9},
                          {"topic": "llm.signals.cost", "partition": 2, "messages": null}],
                  "dead_letters_by_reason": {"not_json": 1}}})");
  s.providers = nlohmann::json::parse(R"({"openai": {"ok": 3, "model_failures": 1,
    "limits": {"in_flight": 2, "paused": false}}})");
  s.breakers = nlohmann::json::parse(
      R"([{"model": "openai:gpt-4o", "state": "open", "consecutive_failures": 5}])");
  s.budgets = nlohmann::json::parse(
      R"([{"scope": "route:chat", "limit_usd": 1.0, "spent_usd": 0.25, "reserved_usd": 0.01,
           "remaining_usd": 0.74}])");
  s.cache = nlohmann::json::parse(
      R"({"enabled": true, "hits": 2, "misses": 8, "entries": 1, "l2": {"configured": false}})");
  s.decisions = nlohmann::json::parse(R"({"by_trigger": {"tick": 4, "signal_anomaly": 1},
    "constrained": [{"route": "chat", "model": "openai:gpt-4o", "constraint": "anomaly",
                     "excluded": true}]})");
  return s;
}

TEST_CASE("metrics page: each document's figures under its name and labels, valid for promtool") {
  gateway_metrics calls;
  upstream_reply reply;
  reply.latency_ms = 120;
  reply.usage.reported = true;
  reply.usage.input_tokens = 10;
  reply.usage.output_tokens = 30;
  reply.ttft_ms = 40;
  reply.output_tokens_per_s = 50;
  calls.called("openai:gpt-4o", "chat", "ok", reply);
  calls.called("openai:gpt-4o", "chat", "ok", reply);
  calls.refused("rate_limit_requests");
  calls.added(0.0002);
  const auto text = metrics_text(calls.registry(), documents(), 31000);
  INFO(text);
  CHECK(promtool_check(text).empty());
  const auto m = parse_prometheus_text(text);
  const std::map<std::string, std::string> gpt4o{{"gen_ai_provider_name", "openai"},
                                                 {"gen_ai_request_model", "gpt-4o"},
                                                 {"route", "chat"},
                                                 {"outcome", "ok"}};
  CHECK(sum_of(m, "gen_ai_client_operation_duration_seconds_count", gpt4o).value == 2);
  CHECK(sum_of(m, "gen_ai_client_operation_duration_seconds_sum", gpt4o).value == Approx(0.24));
  auto out = gpt4o;
  out["gen_ai_token_type"] = "output";
  CHECK(sum_of(m, "gen_ai_client_token_usage_sum", out).value == 60);
  CHECK(sum_of(m, "gen_ai_server_time_to_first_token_seconds_sum", gpt4o).value == Approx(0.08));
  CHECK(sum_of(m, "gen_ai_server_time_per_output_token_seconds_sum", gpt4o).value == Approx(0.04));
  CHECK(sum_of(m, "llmopt_requests_refused_total", {{"reason", "rate_limit_requests"}}).value == 1);
  CHECK(sum_of(m, "llmopt_gateway_added_seconds_count").value == 1);
  CHECK(sum_of(m, "llmopt_routing_weight", {{"route", "chat"}, {"model", "openai:gpt-4o"}}).value ==
        0.75);
  CHECK(sum_of(m, "llmopt_routing_decision_id", {{"route", "chat"}}).value == 7);
  CHECK(sum_of(m, "llmopt_signals_received_total", {{"source", "cost"}}).value == 5);
  CHECK(sum_of(m, "llmopt_signals_dead_lettered_total", {{"source", "cost"}}).value == 1);
  CHECK(sum_of(m, "llmopt_checkpoint_age_seconds").value == 30);
  CHECK(sum_of(m, "llmopt_collector_paused_partitions").value == 4);
  CHECK(sum_of(m, "llmopt_consumer_lag_messages", {{"partition", "1"}}).value == 9);
  CHECK(sum_of(m, "llmopt_consumer_lag_messages").samples == 1);  // the unknown one is left out
  CHECK(sum_of(m, "llmopt_dead_letters_total", {{"reason", "not_json"}}).value == 1);
  CHECK(sum_of(m, "llmopt_provider_calls_total", {{"outcome", "model_failure"}}).value == 1);
  CHECK(sum_of(m, "llmopt_breaker_state", {{"model", "openai:gpt-4o"}, {"state", "open"}}).value ==
        1);
  CHECK(sum_of(m, "llmopt_breaker_state", {{"model", "openai:gpt-4o"}}).value == 1);
  CHECK(sum_of(m, "llmopt_budget_remaining_usd", {{"scope", "route:chat"}}).value == 0.74);
  CHECK(sum_of(m, "llmopt_cache_misses_total").value == 8);
  CHECK(sum_of(m, "llmopt_cache_l2_hits_total").samples == 0);  // no Redis level
  CHECK(sum_of(m, "llmopt_decisions_total", {{"trigger", "signal_anomaly"}}).value == 1);
  CHECK(sum_of(m, "llmopt_decisions_total").value == 5);
  CHECK(sum_of(m, "llmopt_candidate_constrained",
               {{"route", "chat"},
                {"model", "openai:gpt-4o"},
                {"constraint", "anomaly"},
                {"how", "excluded"}})
            .value == 1);
}

TEST_CASE("metrics page: members missing or of another type are left out, never a failure") {
  gateway_metrics calls;
  metrics_sources s;
  s.pipeline = nlohmann::json::parse(R"({"sources": {"cost": "many"}, "collector": [1, 2],
                                          "checkpoint": "yesterday", "applied_by_kind": 3})");
  s.providers = nlohmann::json::parse(R"({"openai": 5, "google": {"limits": "none"}})");
  s.breakers = nlohmann::json::parse(R"([1, {"model": 2}, {"model": "a:b", "state": 7}])");
  s.budgets = nlohmann::json::parse(R"({"scope": "key:x"})");
  s.cache = nlohmann::json::parse(R"({"enabled": "yes"})");
  s.decisions = nlohmann::json::parse(R"({"by_trigger": [1], "constrained": [{"route": 1}, 2]})");
  std::string text;
  REQUIRE_NOTHROW(text = metrics_text(calls.registry(), s, 0));
  INFO(text);
  CHECK(promtool_check(text).empty());
  const auto m = parse_prometheus_text(text);
  CHECK(sum_of(m, "llmopt_signals_received_total").samples == 0);
  CHECK(sum_of(m, "llmopt_breaker_state", {{"model", "a:b"}, {"state", "closed"}}).value == 0);
}

}  // namespace
}  // namespace llmopt
