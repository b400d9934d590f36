#pragma once

// POST /v1/messages: applications written against Anthropic's Messages API
// call llmopt, which serves them from any candidate. Their request becomes
// llmopt's own (OpenAI) shape; the answer and its stream go back as
// Anthropic's. Pure functions, like the wire formats.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "decision/result.hpp"

namespace llmopt::wire {

// An Anthropic Messages request (model, max_tokens, messages, system,
// tools, tool_choice, stop_sequences, temperature, top_p, top_k, stream,
// metadata, ...) as an OpenAI chat-completions request body, ready for
// check_chat_request. Reads `body` within `bounds`. Errors name the
// Anthropic field ("messages[1].content[0].source"): invalid_json, too_large,
// too_deep, invalid_request (wrong type or shape), unsupported (a field
// llmopt cannot carry to the OpenAI shape).
result<nlohmann::json> messages_request_to_chat(std::string_view body, const json_bounds& bounds);

// An OpenAI chat.completion (wire_format.hpp's chat_completion shape) as an
// Anthropic Message: {"id", "type": "message", "role": "assistant", "model",
// "content": [text and tool_use blocks], "stop_reason", "stop_sequence",
// "usage": {"input_tokens", "output_tokens", "cache_read_input_tokens"?}}.
nlohmann::json chat_completion_to_message(const nlohmann::json& completion);

// An Anthropic error body: {"type": "error", "error": {"type", "message"}},
// the type chosen from the HTTP status as Anthropic's API does
// (invalid_request_error, authentication_error, permission_error,
// not_found_error, request_too_large, rate_limit_error, api_error,
// overloaded_error).
nlohmann::json anthropic_error_body(int http_status, std::string_view message);

// Turns the chunks of a stream_decoder (wire_format.hpp's contract) into
// Anthropic's event stream: message_start, content_block_start /
// content_block_delta (text_delta, input_json_delta) / content_block_stop,
// message_delta (stop_reason, usage), message_stop. Each call returns the
// SSE text ("event: NAME\ndata: JSON\n\n"...) to send now.
class message_stream_encoder {
 public:
  std::string encode(const nlohmann::json& chunk);
  // After the last chunk: closes what is open, then message_delta and
  // message_stop.
  std::string end();
  // An error event ending the stream ("event: error").
  static std::string error_event(int http_status, std::string_view message);

 private:
  // State the implementation needs (which blocks are open, stop reason,
  // usage) lives here.
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace llmopt::wire
