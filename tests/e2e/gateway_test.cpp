// The gateway's HTTP contract against a running daemon: OpenAI-compatible
// answers and errors, routing headers, model listing, health and admin.

#include <catch2/catch.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {
nlohmann::json error_of(const http_response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("error"));
  REQUIRE(j["error"]["message"].is_string());
  REQUIRE(j["error"]["type"].is_string());
  return j["error"];
}
}  // namespace

TEST_CASE("the gateway speaks the OpenAI API and reports its choices in headers") {
  // One daemon for every check: starting one costs the broker's group join.
  running_daemon d(simulated_config("${STATE_DIR}"));

  {  // a route answers with the route, model and decision headers
    auto r = d.chat("chat");
    REQUIRE(r.status == 200);
    auto body = nlohmann::json::parse(r.body);
    REQUIRE(body["object"] == "chat.completion");
    REQUIRE(body["usage"]["completion_tokens"].get<int>() >= 1);
    REQUIRE(r.headers["x-llmopt-route"] == "chat");
    REQUIRE(r.headers["x-llmopt-model"].find(':') != std::string::npos);
    auto decision = std::stoll(r.headers["x-llmopt-decision"]);
    REQUIRE(decision >= 1);
  }
  {  // provider:model bypasses routing
    auto r = d.chat("anthropic:claude-3-5-sonnet");
    REQUIRE(r.status == 200);
    REQUIRE(r.headers["x-llmopt-model"] == "anthropic:claude-3-5-sonnet");
    REQUIRE(r.headers.count("x-llmopt-route") == 0);
  }
  {  // bad JSON is a 400 with an OpenAI error object
    auto r = http_post_json(d.url() + "/v1/chat/completions", "{\"model\": ");
    REQUIRE(r.status == 400);
    REQUIRE(error_of(r)["type"] == "invalid_request_error");
  }
  {  // a missing field is a 400 naming it
    auto r = http_post_json(d.url() + "/v1/chat/completions", R"({"model":"chat"})");
    REQUIRE(r.status == 400);
    REQUIRE(error_of(r)["param"] == "messages");
    auto no_model = http_post_json(d.url() + "/v1/chat/completions",
                                   R"({"messages":[{"role":"user","content":"x"}]})");
    REQUIRE(no_model.status == 400);
    REQUIRE(error_of(no_model)["param"] == "model");
  }
  {  // an unknown route is a 404
    auto r = d.chat("no-such-route");
    REQUIRE(r.status == 404);
    REQUIRE(error_of(r)["message"].get<std::string>().find("no-such-route") != std::string::npos);
    REQUIRE(d.chat("nowhere:model").status == 404);
    // A model of a configured provider that the config does not declare is
    // a 404 too, and creates no statistics.
    auto undeclared = d.chat("openai:no-such-model");
    REQUIRE(undeclared.status == 404);
    REQUIRE(error_of(undeclared)["param"] == "model");
    auto models = http_get(d.url() + "/admin/v1/models");
    REQUIRE(models.status == 200);
    REQUIRE(models.body.find("no-such-model") == std::string::npos);
  }
  {  // models, health and routes
    auto models = nlohmann::json::parse(http_get(d.url() + "/v1/models").body);
    REQUIRE(models["object"] == "list");
    bool has_route = false;
    for (const auto& m : models["data"])
      has_route |= m["id"] == "chat";
    REQUIRE(has_route);
    REQUIRE(http_get(d.url() + "/health/live").status == 200);
    REQUIRE(http_get(d.url() + "/health/ready").status == 200);
    auto routes = d.routes();
    double total = 0;
    for (const auto& [model, w] : routes["chat"]["weights"].items())
      total += w.get<double>();
    REQUIRE(total == Approx(1));
    REQUIRE(http_get(d.url() + "/nope").status == 404);
    REQUIRE(http_request("DELETE", d.url() + "/v1/models").status == 405);
  }
}

TEST_CASE("llmopt decisions explain prints a decision with its reasons") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  auto list = d.decisions({"--limit", "1"});
  REQUIRE(list.size() == 1);
  const auto id = std::to_string(list[0]["id"].get<long long>());
  auto r = run({LLMOPT_BINARY, "decisions", "explain", id, "--config", d.config_path()});
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("decision " + id) == 0);
  REQUIRE(r.out.find("reasons:") != std::string::npos);
  REQUIRE(r.out.find("openai:gpt-4o") != std::string::npos);
  auto missing =
      run({LLMOPT_BINARY, "decisions", "explain", "999999", "--config", d.config_path()});
  REQUIRE(missing.exit_code == 1);
  REQUIRE(missing.err.find("no decision 999999") != std::string::npos);
}
