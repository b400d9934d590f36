// GET /metrics end to end: a daemon serving simulated models takes plain
// and streamed requests, budget refusals and bad signals; its /metrics
// passes promtool and counts each of them where it belongs; client input
// never adds a series; the admin token guards it.

#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"

namespace llmopt::test {
namespace {

// A route whose budget cannot pay for any request: each is refused.
const std::string broke_route = R"(
[[routes]]
name = "broke"
candidates = ["openai:gpt-4o-mini"]
budget_usd = 0.0000001
budget_period = "day"
)";

std::string chat_body(const std::string& model, bool stream = false) {
  return nlohmann::json{{"model", model},
                        {"stream", stream},
                        {"max_tokens", 20},
                        {"messages", {{{"role", "user"}, {"content", "hello"}}}}}
      .dump();
}

std::vector<prometheus_sample> scrape(running_daemon& d) {
  const auto text = d.metrics();
  INFO(text);
  REQUIRE(promtool_check(text).empty());
  return parse_prometheus_text(text);
}

TEST_CASE("GET /metrics passes promtool and counts calls, refusals and dead letters", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", broke_route));
  constexpr int plain = 20;
  for (int i = 0; i < plain; ++i)
    REQUIRE(http_post_json(d.url() + "/v1/chat/completions", chat_body("chat")).status == 200);
  auto streamed = http_post_json(d.url() + "/v1/chat/completions", chat_body("chat", true));
  REQUIRE(streamed.status == 200);
  for (int i = 0; i < 3; ++i)
    REQUIRE(http_post_json(d.url() + "/v1/chat/completions", chat_body("broke")).status == 429);
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.cost", "k", "{\"not\": \"a signal\"}") == 0);
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.cost", "k", "not json") == 0);
  REQUIRE(eventually([&] { return sum_of(scrape(d), "llmopt_dead_letters_total").value == 2; }));
  // A Sentinel outage of gpt-4o: a decision set off by an anomaly that
  // excludes it for that reason.
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.sentinel", "openai:gpt-4o",
                       R"({"anomalyId":"a-1","detectedAt":"2026-11-21T10:20:00Z",)"
                       R"("type":"availability_issue","severity":"critical","modelId":"gpt-4o",)"
                       R"("provider":"openai","isActive":true})") == 0);
  REQUIRE(eventually([&] {
    const auto m = scrape(d);
    return sum_of(m, "llmopt_candidate_constrained",
                  {{"route", "chat"},
                   {"model", "openai:gpt-4o"},
                   {"constraint", "anomaly"},
                   {"how", "excluded"}})
                   .value == 1 &&
           sum_of(m, "llmopt_decisions_total", {{"trigger", "signal_anomaly"}}).value >= 1;
  }));

  const auto m = scrape(d);
  const std::map<std::string, std::string> chat_ok{
      {"gen_ai_operation_name", "chat"}, {"route", "chat"}, {"outcome", "ok"}};
  // Every answer was one call (error_rate 0): plain + streamed.
  CHECK(sum_of(m, "gen_ai_client_operation_duration_seconds_count", chat_ok).value == plain + 1);
  CHECK(sum_of(m, "gen_ai_client_token_usage_count",
               {{"route", "chat"}, {"gen_ai_token_type", "output"}})
            .value == plain + 1);
  CHECK(sum_of(m, "gen_ai_server_time_to_first_token_seconds_count", chat_ok).value == 1);
  // Each series names its provider and model as the config declares them.
  for (const auto& s : m)
    if (s.name == "gen_ai_client_operation_duration_seconds_count") {
      const auto model =
          s.labels.at("gen_ai_provider_name") + ":" + s.labels.at("gen_ai_request_model");
      CHECK((model == "openai:gpt-4o" || model == "openai:gpt-4o-mini" ||
             model == "anthropic:claude-3-5-sonnet"));
    }
  CHECK(sum_of(m, "llmopt_gateway_added_seconds_count").value == plain);
  CHECK(sum_of(m, "llmopt_requests_refused_total", {{"reason", "budget"}}).value == 3);
  CHECK(sum_of(m, "llmopt_signals_dead_lettered_total", {{"source", "cost"}}).value == 2);
  CHECK(sum_of(m, "llmopt_provider_calls_total", {{"outcome", "ok"}}).value == plain + 1);
  CHECK(sum_of(m, "llmopt_routing_weight", {{"route", "chat"}}).value == Approx(1.0));
  CHECK(sum_of(m, "llmopt_routing_weight", {{"route", "chat"}}).samples == 3);
  CHECK(sum_of(m, "llmopt_breaker_state", {{"state", "closed"}}).value >= 1);
  CHECK(sum_of(m, "llmopt_budget_limit_usd", {{"scope", "route:broke"}}).samples == 1);
  CHECK(sum_of(m, "llmopt_collector_partitions").value > 0);
  CHECK(sum_of(m, "llmopt_decisions_total", {{"trigger", "startup"}}).value >= 1);
}

TEST_CASE("client input never adds a series to /metrics", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  REQUIRE(http_post_json(d.url() + "/v1/chat/completions", chat_body("chat")).status == 200);
  // Series that appear by themselves as Kafka fetches, the checkpoint timer
  // and the decision engine's ticks run, never from a request, are left out
  // of the comparison.
  auto requestable = [](std::vector<prometheus_sample> m) {
    m.erase(std::remove_if(m.begin(), m.end(),
                           [](const prometheus_sample& s) {
                             return s.name == "llmopt_consumer_lag_messages" ||
                                    s.name == "llmopt_checkpoint_age_seconds" ||
                                    s.name == "llmopt_decisions_total" ||
                                    s.name == "llmopt_candidate_constrained";
                           }),
            m.end());
    return series_of(m);
  };
  const auto before = requestable(scrape(d));
  for (int i = 0; i < 20; ++i) {
    const auto n = std::to_string(i);
    CHECK(http_post_json(d.url() + "/v1/chat/completions", chat_body("no-route-" + n)).status ==
          404);
    CHECK(http_post_json(d.url() + "/v1/chat/completions", chat_body("openai:undeclared-" + n))
              .status == 404);
    CHECK(http_request("GET", d.url() + "/v" + n + "/unknown").status == 404);
  }
  const auto scraped = scrape(d);
  for (const auto& s : scraped)
    for (const auto& [name, value] : s.labels) {
      INFO(s.name << " " << name << "=" << value);
      CHECK(value.find("no-route") == std::string::npos);
      CHECK(value.find("undeclared") == std::string::npos);
    }
  CHECK(requestable(scraped) == before);
}

TEST_CASE("GET /metrics needs the admin token when one is set", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n"),
                   "metrics-admin-token");
  CHECK(http_get(d.url() + "/metrics").status == 401);
  CHECK(http_request("GET", d.url() + "/metrics", {}, {"Authorization: Bearer wrong"}).status ==
        401);
  CHECK_FALSE(d.metrics().empty());  // with the token
}

}  // namespace
}  // namespace llmopt::test
