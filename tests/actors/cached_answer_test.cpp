// An answer kept by the cache is replayed as a stream and a stream is kept
// as an answer: the round trip loses nothing a client sees.

#include <catch2/catch.hpp>

#include "actors/cached_answer.hpp"

using namespace llmopt;
using nlohmann::json;

namespace {

const json text_completion = json::parse(R"({
  "id": "chatcmpl-up", "object": "chat.completion", "created": 100, "model": "m",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there"},
               "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})");

const json tool_completion = json::parse(R"({
  "id": "chatcmpl-up", "object": "chat.completion", "created": 100, "model": "m",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
    "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}},
      {"id": "call_2", "type": "function", "function": {"name": "g", "arguments": "{}"}}]},
    "finish_reason": "tool_calls"}]})");

json rebuilt(const std::vector<json>& chunks) {
  completion_builder b;
  for (const auto& c : chunks)
    b.add(c);
  return b.completion();
}

}  // namespace

TEST_CASE("a text answer replays as role, content, finish and usage chunks") {
  auto chunks = chunks_of(text_completion, "chatcmpl-mine", 200);
  REQUIRE(chunks.size() == 4);
  for (const auto& c : chunks) {
    CHECK(c["id"] == "chatcmpl-mine");
    CHECK(c["created"] == 200);
    CHECK(c["object"] == "chat.completion.chunk");
    CHECK(c["model"] == "m");
  }
  CHECK(chunks[0]["choices"][0]["delta"]["role"] == "assistant");
  CHECK(chunks[1]["choices"][0]["delta"]["content"] == "Hello there");
  CHECK(chunks[2]["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks[3]["choices"].empty());
  CHECK(chunks[3]["usage"]["total_tokens"] == 7);
}

TEST_CASE("a replayed answer assembles back into the same completion, renamed") {
  for (const auto& original : {text_completion, tool_completion}) {
    auto back = rebuilt(chunks_of(original, "chatcmpl-mine", 200));
    CHECK(back == renamed(original, "chatcmpl-mine", 200));
  }
}

TEST_CASE("a stream's pieces assemble: text concatenated, tool arguments by index") {
  auto chunk = [](json delta, json finish = nullptr) {
    return json{{"id", "s"},
                {"object", "chat.completion.chunk"},
                {"created", 1},
                {"model", "m"},
                {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
  };
  completion_builder b;
  b.add(chunk({{"role", "assistant"}, {"content", ""}}));
  b.add(chunk({{"content", "Hel"}}));
  b.add(chunk({{"content", "lo"}}));
  b.add(chunk({{"tool_calls",
                {{{"index", 0},
                  {"id", "c"},
                  {"type", "function"},
                  {"function", {{"name", "f"}, {"arguments", ""}}}}}}}));
  b.add(chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{\"x\""}}}}}}}));
  b.add(chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", ":2}"}}}}}}}));
  b.add(chunk(json::object(), "tool_calls"));
  b.add({{"id", "s"}, {"choices", json::array()}, {"usage", {{"total_tokens", 9}}}});
  auto c = b.completion();
  CHECK(c["id"] == "s");
  CHECK(c["object"] == "chat.completion");
  CHECK(c["choices"][0]["message"]["content"] == "Hello");
  CHECK(c["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{\"x\":2}");
  CHECK(c["choices"][0]["message"]["tool_calls"][0]["id"] == "c");
  CHECK(c["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(c["usage"]["total_tokens"] == 9);
  CHECK(b.bytes() == 5 + 1 + 7);
}
