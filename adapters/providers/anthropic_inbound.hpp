#pragma once

// POST /v1/messages: applications written against Anthropic's Messages API
// call llmopt, which serves them from any candidate. Their request becomes
// llmopt's own (OpenAI) shape; the answer and its stream go back as
// Anthropic's. Pure functions, like the wire formats.

#include <map>
#include <string>
#include <string_view>
#include <utility>

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

// The field of the Anthropic request `body` that field `chat_field` of its
// translation (messages_request_to_chat) came from: a refusal of the
// translated request names, for the client, what the client sent
// ("messages[1].content[1]" of the chat request may be "messages[0].content[1]"
// of the Messages request; "parallel_tool_calls" is
// "tool_choice.disable_parallel_tool_use").
std::string anthropic_field_of(const nlohmann::json& body, const std::string& chat_field);

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
//
// message_start goes out with the first chunk, before the usage chunk that
// ends the stream, so its usage.input_tokens is 0; message_delta carries
// the reported counts (input_tokens, output_tokens, cache_read_input_tokens:
// MessageDeltaUsage's cumulative fields). A chunk of an unexpected shape is
// skipped, never a crash. One encoder per response; not thread-safe.
class message_stream_encoder {
 public:
  std::string encode(const nlohmann::json& chunk);
  // After the last chunk: closes what is open, then message_delta and
  // message_stop. Sends message_start first if no chunk came. Nothing is
  // encoded after it.
  std::string end();
  // An error event ending the stream ("event: error").
  static std::string error_event(int http_status, std::string_view message);

 private:
  enum class block { none, text, tool_use };

  void start(const nlohmann::json& chunk, std::string& out);
  void on_delta(const nlohmann::json& delta, std::string& out);
  void on_tool_call(const nlohmann::json& call, std::string& out);
  void text(const std::string& text, std::string& out);
  void open_block(block kind, nlohmann::json content_block, std::string& out);
  void close_block(std::string& out);

  bool started_ = false;
  bool ended_ = false;
  block open_ = block::none;
  long long index_ = 0;      // of the open block, else of the next one
  long long open_call_ = 0;  // the tool call index of the open tool_use block
  // Tool call index -> {id, name}, from the call's first delta: a call
  // resumed after another block opens a new block under the same names.
  std::map<long long, std::pair<std::string, std::string>> calls_;
  std::string finish_reason_;  // the last finish_reason seen
  bool refused_ = false;       // a refusal delta was seen
  nlohmann::json usage_;       // the last chunk's usage object; null until one comes
};

}  // namespace llmopt::wire
