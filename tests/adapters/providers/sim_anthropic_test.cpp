// The simulator's Anthropic Messages API, read as the API reference
// describes it.

#include <catch2/catch.hpp>

#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const json ask = {{"model", "claude"},
                  {"max_tokens", 1024},
                  {"system", "Be brief."},
                  {"messages", {{{"role", "user"}, {"content", "hello there, simulator!"}}}}};

const json weather_tool = {
    {"name", "get_weather"},
    {"input_schema",
     {{"type", "object"},
      {"properties", {{"city", {{"type", "string"}}}, {"metric", {{"type", "boolean"}}}}},
      {"required", {"city", "metric"}}}}};
const json time_tool = {{"name", "get_time"}, {"input_schema", {{"type", "object"}}}};
const json two_tools = json::array({weather_tool, time_tool});

std::string url_of(const provider_sim& sim) {
  return sim.base_url(sim_format::anthropic) + "/messages";
}

}  // namespace

TEST_CASE("anthropic sim: a message with one text block, stop_reason and usage") {
  auto sim = start({fixed_model("anthropic:claude", 5, 7)});
  auto m = post_json(url_of(*sim), ask, 200, anthropic_headers);
  CHECK(m["type"] == "message");
  CHECK(m["role"] == "assistant");
  CHECK(m["model"] == "claude");
  REQUIRE(m["content"].size() == 1);
  CHECK(m["content"][0]["type"] == "text");
  CHECK(m["content"][0]["text"].get<std::string>().rfind("Simulated answer 0", 0) == 0);
  CHECK(m["stop_reason"] == "end_turn");
  CHECK(m["stop_sequence"].is_null());
  CHECK(m["usage"]["input_tokens"] == 8);  // (9 + 23) characters / 4
  CHECK(m["usage"]["output_tokens"] == 7);
  CHECK(m["usage"]["cache_read_input_tokens"] == 0);
}

TEST_CASE("anthropic sim: a stream of named events in the reference's order, with pings") {
  auto sim = start({fixed_model("anthropic:claude", 5, 120)});
  json streamed = ask;
  streamed["stream"] = true;
  auto c = post(url_of(*sim), streamed.dump(), anthropic_headers);
  REQUIRE(c.result.status == 200);
  CHECK(c.result.header("content-type") == "text/event-stream");
  auto events = sse_events(c.body);
  std::vector<std::string> names;
  std::string text;
  for (const auto& e : events) {
    auto data = json::parse(e.data);
    CHECK(data["type"] == e.name);  // the event name and the data's type agree
    names.push_back(e.name);
    if (e.name == "content_block_delta") text += data["delta"]["text"].get<std::string>();
    if (e.name == "message_start") {
      CHECK(data["message"]["content"].empty());
      CHECK(data["message"]["usage"]["input_tokens"] == 8);
    }
    if (e.name == "message_delta") {
      CHECK(data["delta"]["stop_reason"] == "end_turn");
      CHECK(data["usage"]["output_tokens"] == 120);
    }
  }
  REQUIRE(names.size() == 2 + 120 + 3 + 3);  // 3 pings: after the opening, at 50 and 100
  CHECK(names[0] == "message_start");
  CHECK(names[1] == "content_block_start");
  CHECK(names[2] == "ping");
  CHECK(std::count(names.begin(), names.end(), "ping") == 3);
  CHECK(names[names.size() - 3] == "content_block_stop");
  CHECK(names[names.size() - 2] == "message_delta");
  CHECK(names.back() == "message_stop");
  CHECK(std::count(text.begin(), text.end(), ' ') == 119);
}

TEST_CASE("anthropic sim: tool_use blocks, parallel unless disabled, named by tool_choice") {
  auto sim = start({fixed_model("anthropic:claude", 5, 7)});
  json with_tools = ask;
  with_tools["tools"] = two_tools;
  auto m = post_json(url_of(*sim), with_tools, 200, anthropic_headers);
  CHECK(m["stop_reason"] == "tool_use");
  REQUIRE(m["content"].size() == 2);
  CHECK(m["content"][0]["type"] == "tool_use");
  CHECK(m["content"][0]["name"] == "get_weather");
  CHECK(m["content"][0]["input"] == json({{"city", "sim"}, {"metric", true}}));
  CHECK(m["content"][1]["input"] == json::object());

  with_tools["tool_choice"] = {{"type", "auto"}, {"disable_parallel_tool_use", true}};
  CHECK(post_json(url_of(*sim), with_tools, 200, anthropic_headers)["content"].size() == 1);
  with_tools["tool_choice"] = {{"type", "tool"}, {"name", "get_time"}};
  CHECK(post_json(url_of(*sim), with_tools, 200, anthropic_headers)["content"][0]["name"] ==
        "get_time");

  with_tools.erase("tool_choice");  // after a tool_result: text
  with_tools["messages"].push_back({{"role", "assistant"}, {"content", m["content"]}});
  with_tools["messages"].push_back(
      {{"role", "user"},
       {"content",
        {{{"type", "tool_result"}, {"tool_use_id", m["content"][0]["id"]}, {"content", "ok"}}}}});
  CHECK(post_json(url_of(*sim), with_tools, 200, anthropic_headers)["stop_reason"] == "end_turn");
}

TEST_CASE("anthropic sim: a streamed tool_use sends its input as input_json_delta") {
  auto sim = start({fixed_model("anthropic:claude", 5, 7)});
  json streamed = ask;
  streamed["tools"] = two_tools;
  streamed["stream"] = true;
  auto events = sse_events(post(url_of(*sim), streamed.dump(), anthropic_headers).body);
  std::vector<json> data;
  for (const auto& e : events)
    if (e.name != "ping") data.push_back(json::parse(e.data));
  REQUIRE(data.size() == 1 + 2 * 3 + 2);
  CHECK(data[1]["content_block"]["type"] == "tool_use");
  CHECK(data[1]["content_block"]["input"] == json::object());
  CHECK(json::parse(data[2]["delta"]["partial_json"].get<std::string>())["city"] == "sim");
  CHECK(data[4]["index"] == 1);
  CHECK(data[7]["delta"]["stop_reason"] == "tool_use");
}

TEST_CASE("anthropic sim: errors in Anthropic's shape, naming what is wrong") {
  auto sim = start({fixed_model("anthropic:claude", 5, 7)});
  auto refused = [&](const json& body, int status, const std::string& type,
                     const std::string& names, std::vector<std::string> headers) {
    INFO(body.dump());
    auto e = post_json(url_of(*sim), body, status, std::move(headers));
    CHECK(e["type"] == "error");
    CHECK(e["error"]["type"] == type);
    CHECK(e["error"]["message"].get<std::string>().find(names) != std::string::npos);
  };
  refused(ask, 400, "invalid_request_error", "anthropic-version", {});
  json b = ask;
  b.erase("max_tokens");
  refused(b, 400, "invalid_request_error", "max_tokens", anthropic_headers);
  b = ask;
  b["messages"][0]["role"] = "system";
  refused(b, 400, "invalid_request_error", "messages.0.role", anthropic_headers);
  b = ask;
  b["tool_choice"] = {{"type", "sometimes"}};
  refused(b, 400, "invalid_request_error", "tool_choice.type", anthropic_headers);
  b = ask;
  b["model"] = "claude-9";
  refused(b, 404, "not_found_error", "claude-9", anthropic_headers);
}
