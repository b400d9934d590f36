// The simulator's Ollama /api/chat, read as the API reference describes it.

#include <catch2/catch.hpp>

#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const json ask = {{"model", "llama"},
                  {"messages", {{{"role", "user"}, {"content", "hello there, simulator!"}}}}};

const json two_tools = json::array(
    {{{"type", "function"},
      {"function",
       {{"name", "get_weather"},
        {"parameters",
         {{"type", "object"},
          {"properties", {{"city", {{"type", "string"}}}, {"unit", {{"enum", {"C", "F"}}}}}},
          {"required", {"city", "unit"}}}}}}},
     {{"type", "function"}, {"function", {{"name", "get_time"}}}}});

std::string url_of(const provider_sim& sim) {
  return sim.base_url(sim_format::ollama) + "/api/chat";
}

}  // namespace

TEST_CASE("ollama sim: streams NDJSON by default, the last line is done with the counts") {
  auto plain_sim = start({fixed_model("ollama:llama", 5, 4)});
  json plain = ask;
  plain["stream"] = false;
  auto r = post_json(url_of(*plain_sim), plain);
  CHECK(r["done"] == true);
  CHECK(r["done_reason"] == "stop");
  CHECK(r["message"]["role"] == "assistant");
  CHECK(r["prompt_eval_count"] == 5);
  CHECK(r["eval_count"] == 4);
  CHECK(r["total_duration"].get<long long>() >= r["eval_duration"].get<long long>());

  auto sim = start({fixed_model("ollama:llama", 5, 4)});
  auto c = post(url_of(*sim), ask.dump());
  REQUIRE(c.result.status == 200);
  CHECK(c.result.header("content-type") == "application/x-ndjson");
  auto lines = ndjson_lines(c.body);
  REQUIRE(lines.size() == 4 + 1);
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i]["model"] == "llama");
    CHECK(lines[i]["created_at"].is_string());
    CHECK(lines[i]["done"] == (i == 4));
    text += lines[i]["message"]["content"].get<std::string>();
  }
  CHECK(text == r["message"]["content"]);
  CHECK(lines[4]["done_reason"] == "stop");
  CHECK(lines[4]["prompt_eval_count"] == 5);
  CHECK(lines[4]["eval_count"] == 4);
}

TEST_CASE("ollama sim: tool_calls with arguments as an object, text after a tool result") {
  auto sim = start({fixed_model("ollama:llama", 5, 4)});
  json b = ask;
  b["stream"] = false;
  b["tools"] = two_tools;
  auto r = post_json(url_of(*sim), b);
  const auto& calls = r["message"]["tool_calls"];
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["function"]["name"] == "get_weather");
  CHECK(calls[0]["function"]["arguments"] == json({{"city", "sim"}, {"unit", "C"}}));
  CHECK(calls[1]["function"]["arguments"] == json::object());

  b["messages"].push_back({{"role", "assistant"}, {"content", ""}, {"tool_calls", calls}});
  b["messages"].push_back({{"role", "tool"}, {"content", "sunny"}});
  auto after = post_json(url_of(*sim), b);
  CHECK_FALSE(after["message"].contains("tool_calls"));
  CHECK_FALSE(after["message"]["content"].get<std::string>().empty());
}

TEST_CASE("ollama sim: num_predict cuts the answer short: done_reason length") {
  auto sim = start({fixed_model("ollama:llama", 5, 9)});
  json b = ask;
  b["options"] = {{"num_predict", 2}};
  auto lines = ndjson_lines(post(url_of(*sim), b.dump()).body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[2]["done_reason"] == "length");
  CHECK(lines[2]["eval_count"] == 2);
}

TEST_CASE("ollama sim: errors as {\"error\": message}") {
  auto sim = start({fixed_model("ollama:llama", 5, 4)});
  auto refused = [&](const json& body, int status, const std::string& names) {
    INFO(body.dump());
    auto e = post_json(url_of(*sim), body, status);
    REQUIRE(e["error"].is_string());
    CHECK(e["error"].get<std::string>().find(names) != std::string::npos);
  };
  refused({{"messages", ask["messages"]}}, 400, "model is required");
  json b = ask;
  b["stream"] = 1;
  refused(b, 400, "stream");
  b = ask;
  b["messages"][0]["content"] = {{"text", "x"}};
  refused(b, 400, "messages[0].content");
  b = ask;
  b["model"] = "llama9";
  refused(b, 404, "llama9");
}
