#include <catch2/catch.hpp>

#include "adapters/providers/anthropic_inbound.hpp"

using namespace llmopt;
using json = nlohmann::json;

TEST_CASE("anthropic inbound: a field of the translated request is named as the client sent it") {
  const json body = json::parse(R"({
    "model": "chat", "max_tokens": 10, "system": "be brief",
    "messages": [
      {"role": "user", "content": "what is this?"},
      {"role": "assistant", "content": [{"type": "text", "text": "let me look"},
        {"type": "tool_use", "id": "t1", "name": "look", "input": {}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a cat"},
        {"type": "text", "text": "and this?"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}]}],
    "tools": [{"name": "look", "input_schema": {"type": "object"}}],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": true}})");
  // The chat request: [0] system, [1] user, [2] assistant, [3] tool, [4] user.
  const std::pair<const char*, const char*> cases[] = {
      {"messages[0].content", "system"},
      {"messages[1].content", "messages[0].content"},
      {"messages[2].content[0]", "messages[1].content[0]"},
      {"messages[2].tool_calls[0].function.arguments", "messages[1].content[1]"},
      {"messages[3].content", "messages[2].content[0]"},
      {"messages[4].content[0]", "messages[2].content[1]"},
      {"messages[4].content[1]", "messages[2].content[2]"},
      {"messages[4].role", "messages[2].role"},
      {"parallel_tool_calls", "tool_choice.disable_parallel_tool_use"},
      {"tool_choice", "tool_choice"},
      {"tools[0].function.parameters", "tools[0].input_schema"},
      {"tools[0].function.strict", "tools[0].strict"},
      {"stop", "stop_sequences"},
      {"user", "metadata.user_id"},
      {"response_format", "output_config.format"},
      {"temperature", "temperature"},
      {"messages[9].content", "messages"},  // out of range: the list
  };
  for (const auto& [chat, anthropic] : cases) {
    INFO(chat);
    CHECK(wire::anthropic_field_of(body, chat) == anthropic);
  }
}
