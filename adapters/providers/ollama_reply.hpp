#pragma once

// Reading Ollama's chat responses (docs.ollama.com/api/chat, openapi.yaml
// ChatResponse and ChatStreamEvent), shared by the reply (ollama_reply.cpp)
// and the stream decoder (ollama_stream.cpp). Internal to the ollama format.
// Every function takes untrusted JSON: a wrong type is a bad_reply, never an
// exception.

#include <string>

#include <nlohmann/json.hpp>

#include "adapters/providers/wire_format.hpp"

namespace llmopt::wire::ollama {

// What one response object (a reply, or a stream line) says of the answer.
struct message_part {
  std::string content;        // message.content; "" when absent
  nlohmann::json tool_calls;  // OpenAI tool calls (complete), an array; empty when none
  bool has_message = false;   // the object has a message
};

// The message of a response object. Tool calls get the upstream's id, else
// "call_<k>" where k counts the calls of the answer from `first_call`;
// arguments become compact JSON text. message.thinking is not part of the
// answer and is left out (OpenAI's chat completion has no place for it).
result<message_part> read_message(const nlohmann::json& response, std::size_t first_call);

// finish_reason: "tool_calls" when the answer made calls, else done_reason
// "length" -> "length" and anything else ("stop", "load", none) -> "stop".
std::string finish_reason(const nlohmann::json& response, bool made_tool_calls);

// Token counts of a final response object: prompt_eval_count (all prompt
// tokens, cached ones included), eval_count, prompt_eval_cached_count.
// Not reported when the object has neither count.
token_usage usage_of(const nlohmann::json& response);

// The response's model name, or `fallback` when it names none.
std::string model_of(const nlohmann::json& response, const std::string& fallback);

// The message of an {"error": ...} object, or empty when it is none.
std::string error_of(const nlohmann::json& response);

}  // namespace llmopt::wire::ollama
