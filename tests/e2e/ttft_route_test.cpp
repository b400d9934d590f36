// Issue 13, part 3: a route with latency_metric = "ttft" weighs time to
// first token. Two models: one starts at once but streams slowly, one
// starts late but finishes first. After streamed calls to both, the TTFT
// route prefers the quick starter and the total-latency route the other.

#include <catch2/catch.hpp>

#include <future>

#include "daemon_fixture.hpp"

using namespace llmopt::test;
using json = nlohmann::json;

TEST_CASE("a route weighing time to first token prefers the model that starts first") {
  temp_dir dir;
  const json models = json::array(
      {{{"id", "op:quick-start"}, {"ttft_ms", 10}, {"tokens_per_s", 40}, {"output_tokens", 20}},
       {{"id", "op:quick-finish"}, {"ttft_ms", 250}, {"tokens_per_s", 0}, {"output_tokens", 20}}});
  json with_behaviour = json::array();
  for (auto m : models) {
    m.update({{"price_in_per_mtok", 1},
              {"price_out_per_mtok", 1},
              {"latency_ms", {{"median", 300}, {"p95", 400}}},
              {"error_rate", 0},
              {"quality", 0.8}});
    with_behaviour.push_back(m);
  }
  sim_process sim(dir, "models", with_behaviour.dump());
  running_daemon d(R"(state_dir = "${STATE_DIR}"
[http]
listen = "127.0.0.1:0"
[auth]
required = false
[decision]
tick_ms = 200
[[providers]]
name = "op"
kind = "openai"
base_url = ")" + sim.root() +
                   R"(/v1"
[[models]]
id = "op:quick-start"
[[models]]
id = "op:quick-finish"
[[routes]]
name = "first-token"
candidates = ["op:quick-start", "op:quick-finish"]
objective = { quality = 0.1, cost = 0, latency = 0.9 }
latency_ref_ms = 1000
latency_metric = "ttft"
[[routes]]
name = "whole-answer"
candidates = ["op:quick-start", "op:quick-finish"]
objective = { quality = 0.1, cost = 0, latency = 0.9 }
latency_ref_ms = 1000
)");
  // Streamed calls to each model, eight at a time.
  const std::string body_of = R"({"stream":true,"messages":[{"role":"user","content":"go"}],)";
  for (int round = 0; round < 3; ++round) {
    std::vector<std::future<http_response>> calls;
    for (const char* model : {"op:quick-start", "op:quick-finish"})
      for (int i = 0; i < 4; ++i)
        calls.push_back(std::async(std::launch::async, [&, model] {
          return http_post_json(d.url() + "/v1/chat/completions",
                                body_of + R"("model":")" + model + R"("})");
        }));
    for (auto& c : calls)
      REQUIRE(c.get().status == 200);
  }
  auto models_now = d.models();
  INFO(models_now.dump(2));
  CHECK(models_now["op:quick-start"]["window"]["mean_ttft_ms"].get<double>() <
        models_now["op:quick-finish"]["window"]["mean_ttft_ms"].get<double>());
  CHECK(models_now["op:quick-start"]["window"]["mean_latency_ms"].get<double>() >
        models_now["op:quick-finish"]["window"]["mean_latency_ms"].get<double>());
  // The next decisions: each route on the model its metric favours.
  CHECK(eventually([&] {
    return d.heaviest("first-token") == "op:quick-start" &&
           d.heaviest("whole-answer") == "op:quick-finish";
  }));
  INFO(d.routes().dump(2));
  CHECK(d.weight("first-token", "op:quick-start") > 0.5);
  CHECK(d.weight("whole-answer", "op:quick-finish") > 0.5);
}
