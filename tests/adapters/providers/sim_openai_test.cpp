// The simulator's OpenAI chat completions, read as the API reference
// describes them.

#include <catch2/catch.hpp>

#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const json ask = {{"model", "gpt-4o"},
                  {"messages", {{{"role", "user"}, {"content", "hello there, simulator!"}}}}};

const json two_tools = json::array(
    {{{"type", "function"},
      {"function",
       {{"name", "get_weather"},
        {"parameters",
         {{"type", "object"},
          {"properties", {{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}}},
          {"required", {"city", "days"}}}}}}},
     {{"type", "function"}, {"function", {{"name", "get_time"}}}}});

std::string url_of(const provider_sim& sim) {
  return sim.base_url(sim_format::openai) + "/chat/completions";
}

// The chunks of an OpenAI stream; REQUIREs that it ends with [DONE].
std::vector<json> chunks_of(const std::string& body) {
  auto events = sse_events(body);
  REQUIRE_FALSE(events.empty());
  REQUIRE(events.back().data == "[DONE]");
  std::vector<json> chunks;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    CHECK(events[i].name.empty());
    chunks.push_back(json::parse(events[i].data));
  }
  return chunks;
}

}  // namespace

TEST_CASE("openai sim: a chat.completion with text as many words as its tokens") {
  auto sim = start({fixed_model("openai:gpt-4o", 5, 9)});
  auto r = post_json(url_of(*sim), ask);
  CHECK(r["object"] == "chat.completion");
  CHECK(r["model"] == "gpt-4o");
  const auto& choice = r["choices"][0];
  CHECK(choice["finish_reason"] == "stop");
  CHECK(choice["message"]["role"] == "assistant");
  const std::string text = choice["message"]["content"];
  CHECK(text.rfind("Simulated answer 0 from gpt-4o", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), ' ') == 8);
  CHECK(r["usage"]["prompt_tokens"] == 5);  // 23 characters / 4
  CHECK(r["usage"]["completion_tokens"] == 9);
  CHECK(r["usage"]["total_tokens"] == 14);
  CHECK(r["usage"]["prompt_tokens_details"]["cached_tokens"] == 0);
}

TEST_CASE("openai sim: a stream of chunks says what the plain answer says") {
  auto plain_sim = start({fixed_model("openai:gpt-4o", 5, 6)});
  auto stream_sim = start({fixed_model("openai:gpt-4o", 5, 6)});
  const std::string plain = post_json(url_of(*plain_sim), ask)["choices"][0]["message"]["content"];

  json streamed = ask;
  streamed["stream"] = true;
  streamed["stream_options"] = {{"include_usage", true}};
  auto c = post(url_of(*stream_sim), streamed.dump());
  REQUIRE(c.result.status == 200);
  CHECK(c.result.header("content-type") == "text/event-stream");
  auto chunks = chunks_of(c.body);
  REQUIRE(chunks.size() == 1 + 6 + 1 + 1);  // role, tokens, finish, usage
  CHECK(chunks[0]["choices"][0]["delta"]["role"] == "assistant");
  std::string text;
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    CHECK(chunks[i]["object"] == "chat.completion.chunk");
    CHECK(chunks[i]["id"] == chunks[0]["id"]);
    CHECK(chunks[i]["usage"].is_null());  // present, null, on all but the usage chunk
    text += chunks[i]["choices"][0]["delta"].value("content", "");
  }
  CHECK(text == plain);
  CHECK(chunks[7]["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks[8]["choices"].empty());
  CHECK(chunks[8]["usage"]["completion_tokens"] == 6);

  streamed.erase("stream_options");  // no usage chunk unless asked
  auto without = chunks_of(post(url_of(*stream_sim), streamed.dump()).body);
  CHECK(without.size() == 8);
  for (const auto& chunk : without)
    CHECK_FALSE(chunk.contains("usage"));
}

TEST_CASE("openai sim: tools are called, two in parallel, one when named or not parallel") {
  auto sim = start({fixed_model("openai:gpt-4o", 5, 9)});
  json with_tools = ask;
  with_tools["tools"] = two_tools;
  auto r = post_json(url_of(*sim), with_tools);
  CHECK(r["choices"][0]["finish_reason"] == "tool_calls");
  const auto& calls = r["choices"][0]["message"]["tool_calls"];
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["type"] == "function");
  CHECK(calls[0]["function"]["name"] == "get_weather");
  CHECK(json::parse(calls[0]["function"]["arguments"].get<std::string>()) ==
        json({{"city", "sim"}, {"days", 1}}));
  CHECK(calls[1]["function"]["arguments"] == "{}");
  CHECK(calls[0]["id"] != calls[1]["id"]);

  with_tools["parallel_tool_calls"] = false;
  CHECK(post_json(url_of(*sim), with_tools)["choices"][0]["message"]["tool_calls"].size() == 1);
  with_tools["tool_choice"] = {{"type", "function"}, {"function", {{"name", "get_time"}}}};
  CHECK(post_json(url_of(*sim),
                  with_tools)["choices"][0]["message"]["tool_calls"][0]["function"]["name"] ==
        "get_time");
  with_tools["tool_choice"] = "none";
  CHECK(post_json(url_of(*sim), with_tools)["choices"][0]["finish_reason"] == "stop");

  with_tools.erase("tool_choice");  // after a tool result: text
  with_tools["messages"].push_back(
      {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}});
  with_tools["messages"].push_back(
      {{"role", "tool"}, {"tool_call_id", calls[0]["id"]}, {"content", "sunny"}});
  CHECK(post_json(url_of(*sim), with_tools)["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("openai sim: streamed tool calls carry id and name, then the arguments") {
  auto sim = start({fixed_model("openai:gpt-4o", 5, 9)});
  json streamed = ask;
  streamed["tools"] = two_tools;
  streamed["stream"] = true;
  auto chunks = chunks_of(post(url_of(*sim), streamed.dump()).body);
  REQUIRE(chunks.size() == 1 + 2 * 2 + 1);
  const auto& head = chunks[1]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(head["index"] == 0);
  CHECK(head["function"]["name"] == "get_weather");
  CHECK(head["id"].is_string());
  const auto& rest = chunks[2]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(json::parse(rest["function"]["arguments"].get<std::string>())["city"] == "sim");
  CHECK(chunks[3]["choices"][0]["delta"]["tool_calls"][0]["index"] == 1);
  CHECK(chunks[5]["choices"][0]["finish_reason"] == "tool_calls");
}

TEST_CASE("openai sim: bad requests are 400 naming the param, unknown models 404") {
  auto sim = start({fixed_model("openai:gpt-4o", 5, 9)});
  auto refused = [&](json body, const std::string& param) {
    INFO(body.dump());
    auto r = post_json(url_of(*sim), body, 400);
    CHECK(r["error"]["type"] == "invalid_request_error");
    CHECK(r["error"]["param"] == param);
  };
  json b = ask;
  b["stream_options"] = {{"include_usage", true}};
  refused(b, "stream_options");
  b = ask;
  b["messages"].push_back({{"role", "robot"}, {"content", "x"}});
  refused(b, "messages[1].role");
  b = ask;
  b["tools"] = two_tools;
  b["tool_choice"] = {{"type", "function"}, {"function", {{"name", "nope"}}}};
  refused(b, "tool_choice");
  b = ask;
  b["max_tokens"] = 0;
  refused(b, "max_tokens");
  b = ask;
  b["stream"] = "yes";
  refused(b, "stream");
  b = ask;
  b["model"] = "gpt-5";
  auto missing = post_json(url_of(*sim), b, 404);
  CHECK(missing["error"]["code"] == "model_not_found");
}

TEST_CASE("openai sim: max_tokens cuts the answer short: finish_reason length") {
  auto sim = start({fixed_model("openai:gpt-4o", 5, 9)});
  json b = ask;
  b["max_completion_tokens"] = 4;
  auto r = post_json(url_of(*sim), b);
  CHECK(r["choices"][0]["finish_reason"] == "length");
  CHECK(r["usage"]["completion_tokens"] == 4);
}
