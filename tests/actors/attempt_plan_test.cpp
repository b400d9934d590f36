// Choosing a request's candidates: capabilities, context windows and what a
// wire format can express decide who may serve it; the others share the
// traffic in proportion; when nobody can, the error says why.

#include <catch2/catch.hpp>

#include <map>

#include "actors/attempt_plan.hpp"

using namespace llmopt;

namespace {

struct catalog_fixture {
  curl_loop loop;  // the clients need one; nothing is sent
  serving_catalog catalog;
  routing_table table;

  catalog_fixture() {
    auto client = [&](const char* name, wire::format f) {
      provider_endpoint e;
      e.name = name;
      e.format = f;
      e.base_url = "http://127.0.0.1:9";
      catalog.providers[name] = std::make_shared<provider_client>(loop, e);
    };
    client("openai", wire::format::openai);
    client("anthropic", wire::format::anthropic);
    client("ollama", wire::format::ollama);
    const std::vector<std::string> all = {"streaming", "tools", "vision", "json_schema"};
    catalog.models["openai:gpt-4o"] = {{all, 128000}, {2.5, 10}};
    catalog.models["openai:text-only"] = {{{"streaming", "tools"}, 0}, {0.1, 0.2}};
    catalog.models["anthropic:claude"] = {{all, 0}, {3, 15}};
    catalog.models["ollama:llama"] = {{all, 8000}, {0, 0}};
    catalog.routes = {"chat", "cold"};
    table["chat"] = {"chat",
                     42,
                     {{"openai:gpt-4o", 0.2},
                      {"openai:text-only", 0.5},
                      {"anthropic:claude", 0.3},
                      {"ollama:llama", 0.0}}};
  }
};

chat_request request(const std::string& json) {
  auto r = check_chat_request(nlohmann::json::parse(json));
  REQUIRE(r.ok());
  return *r;
}

const std::string image_request =
    R"({"model":"chat","messages":[{"role":"user","content":[{"type":"text","text":"what?"},)"
    R"({"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]})";

}  // namespace

TEST_CASE("a candidate without vision is skipped for an image, the others renormalized") {
  catalog_fixture f;
  auto r = request(image_request);
  std::map<std::string, int> first;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    auto plan = plan_attempts(f.catalog, &f.table, r, "chat", (i + 0.5) / n);
    REQUIRE(plan.ok());
    CHECK(plan->route == "chat");
    CHECK(plan->decision_id == 42);
    REQUIRE(plan->attempts.size() == 2);
    ++first[plan->attempts[0].model];
  }
  CHECK(first.count("openai:text-only") == 0);
  CHECK(first["openai:gpt-4o"] == 400);  // 0.2 / (0.2 + 0.3)
  CHECK(first["anthropic:claude"] == 600);
}

TEST_CASE("each attempt carries its native request, translated once") {
  catalog_fixture f;
  auto plan = plan_attempts(f.catalog, &f.table, request(image_request), "chat", 0.99);
  REQUIRE(plan.ok());
  const auto& claude = plan->attempts[0];
  CHECK(claude.model == "anthropic:claude");
  CHECK(claude.native.path == "/messages");
  CHECK(nlohmann::json::parse(claude.native.body)["model"] == "claude");
  REQUIRE(claude.price);
  CHECK(claude.price->in_per_mtok == 3);
}

TEST_CASE("when no candidate can serve, a 400-class error names what each one lacks") {
  catalog_fixture f;
  f.table["chat"].weights = {{"openai:text-only", 1.0}};
  auto plan = plan_attempts(f.catalog, &f.table, request(image_request), "chat", 0.5);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.err().code == "capability_missing");
  CHECK(plan.err().field == "messages");
  CHECK(plan.err().detail ==
        "no candidate of route 'chat' can serve this request: openai:text-only lacks vision (the "
        "request has an image)");

  // A parameter the wire format cannot express: Anthropic has no seed.
  f.table["chat"].weights = {{"anthropic:claude", 1.0}};
  auto seeded = plan_attempts(
      f.catalog, &f.table,
      request(R"({"model":"chat","seed":7,"messages":[{"role":"user","content":"x"}]})"), "chat",
      0.5);
  REQUIRE_FALSE(seeded.ok());
  CHECK(seeded.err().code == "unsupported_parameter");
  CHECK(seeded.err().field == "seed");
}

TEST_CASE("an image URL skips Ollama, which cannot fetch it, and a data URI does not") {
  catalog_fixture f;
  f.table["chat"].weights = {{"ollama:llama", 1.0}};
  auto url = plan_attempts(f.catalog, &f.table, request(image_request), "chat", 0.5);
  REQUIRE_FALSE(url.ok());
  CHECK(url.err().code == "unsupported_parameter");
  CHECK(url.err().field == "messages[0].content[1]");
  auto data = plan_attempts(
      f.catalog, &f.table,
      request(R"({"model":"chat","messages":[{"role":"user","content":[{"type":"image_url",)"
              R"("image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})"),
      "chat", 0.5);
  CHECK(data.ok());
}

TEST_CASE("a request longer than a model's context window skips it") {
  catalog_fixture f;
  f.table["chat"].weights = {{"ollama:llama", 0.5}, {"anthropic:claude", 0.5}};
  auto long_request = request(R"({"model":"chat","max_tokens":9000,)"
                              R"("messages":[{"role":"user","content":"x"}]})");
  for (double u : {0.1, 0.9}) {
    auto plan = plan_attempts(f.catalog, &f.table, long_request, "chat", u);
    REQUIRE(plan.ok());
    REQUIRE(plan->attempts.size() == 1);
    CHECK(plan->attempts[0].model == "anthropic:claude");
  }
}

TEST_CASE("provider:model bypasses the weights but not the capabilities") {
  catalog_fixture f;
  auto plain = request(R"({"model":"x","messages":[{"role":"user","content":"x"}]})");
  auto direct = plan_attempts(f.catalog, &f.table, plain, "openai:text-only", 0.5);
  REQUIRE(direct.ok());
  CHECK(direct->route.empty());
  CHECK(direct->attempts.size() == 1);
  // Only declared models: a configured provider's undeclared one is unknown.
  auto undeclared = plan_attempts(f.catalog, &f.table, plain, "openai:gpt-5-preview", 0.5);
  REQUIRE_FALSE(undeclared.ok());
  CHECK(undeclared.err().code == "model_not_found");
  CHECK(undeclared.err().field == "model");
  auto image = plan_attempts(f.catalog, &f.table, request(image_request), "openai:text-only", 0.5);
  REQUIRE_FALSE(image.ok());
  CHECK(image.err().code == "capability_missing");
  CHECK(plan_attempts(f.catalog, &f.table, plain, "nowhere:m", 0.5).err().code ==
        "model_not_found");
}

TEST_CASE("unknown routes, routes without weights, and routes whose candidates are all excluded") {
  catalog_fixture f;
  auto plain = request(R"({"model":"x","messages":[{"role":"user","content":"x"}]})");
  CHECK(plan_attempts(f.catalog, &f.table, plain, "nope", 0.5).err().code == "model_not_found");
  CHECK(plan_attempts(f.catalog, &f.table, plain, "cold", 0.5).err().code == "no_routing_table");
  CHECK(plan_attempts(f.catalog, nullptr, plain, "chat", 0.5).err().code == "no_routing_table");
  f.table["chat"].weights = {{"openai:gpt-4o", 0.0}};
  CHECK(plan_attempts(f.catalog, &f.table, plain, "chat", 0.5).err().code == "no_candidate");
}

TEST_CASE("the plan keeps every candidate that can serve, and says how many may be called") {
  catalog_fixture f;
  f.catalog.max_attempts = 2;
  auto plain = request(R"({"model":"x","messages":[{"role":"user","content":"x"}]})");
  auto plan = plan_attempts(f.catalog, &f.table, plain, "chat", 0.5);
  REQUIRE(plan.ok());
  CHECK(plan->max_attempts == 2);
  CHECK(plan->attempts.size() == 3);  // ollama:llama has no weight
}

TEST_CASE("held-back candidates (breaker open, provider paused) come after all the others") {
  catalog_fixture f;
  f.table["chat"].weights = {{"openai:gpt-4o", 0.9}, {"anthropic:claude", 0.1}};
  auto plain = request(R"({"model":"x","messages":[{"role":"user","content":"x"}]})");
  const std::unordered_map<model_key, long long> held{{"openai:gpt-4o", 5000}};
  // Whatever the draw, the held one is last while held: the others' weights renormalized.
  for (double u : {0.0, 0.5, 0.95}) {
    auto plan = plan_attempts(f.catalog, &f.table, plain, "chat", u, {}, held_back{&held, 4999});
    REQUIRE(plan.ok());
    REQUIRE(plan->attempts.size() == 2);
    CHECK(plan->attempts.front().model == "anthropic:claude");
    CHECK(plan->attempts.back().model == "openai:gpt-4o");
  }
  // Once its time has passed it is drawn by weight again.
  auto plan = plan_attempts(f.catalog, &f.table, plain, "chat", 0.5, {}, held_back{&held, 5000});
  REQUIRE(plan.ok());
  CHECK(plan->attempts.front().model == "openai:gpt-4o");
}
