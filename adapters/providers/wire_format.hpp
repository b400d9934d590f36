#pragma once

// The wire formats of LLM providers: pure translation between llmopt's own
// shape (OpenAI chat completions, checked by chat_request.hpp) and each
// provider's native API. No I/O and no clock: the transport is
// provider_client and curl_loop.
//
// Errors of translations (error.code):
//   unsupported    the request uses something this format cannot express
//                  (a parameter, a content part, a tool_choice). error.field
//                  names it as a path ("tool_choice", "messages[2].content[1]"),
//                  error.detail says why. The candidate is skipped for the
//                  request; no parameter is ever dropped silently.
//   bad_reply      the upstream's answer is not what its API reference
//                  promises; detail says what (quoting at most 200 bytes of it).
//   upstream_error streams only: the upstream reported an error inside the
//                  stream; detail is its message.
//   cut            streams only: the stream ended before its end event.
//   too_large, too_deep, invalid_json  from bounded parsing of the upstream's
//                  bytes (reply_bounds).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/chat_request.hpp"
#include "decision/result.hpp"

namespace llmopt::wire {

enum class format { openai, anthropic, gemini, ollama };

std::string_view to_string(format f);
std::optional<format> format_named(std::string_view name);  // "openai", "anthropic", ...

// What llmopt reads of an upstream's reply or stream event at most.
inline constexpr json_bounds reply_bounds{64u << 20, 128};

// Token counts of one call, as the provider reported them.
struct token_usage {
  long long input_tokens = 0;  // every input token, cached and cache-written included
  long long output_tokens = 0;
  long long cached_input_tokens = 0;  // of input_tokens: read from the provider's prompt cache
  bool reported = false;              // the upstream reported usage at all
  std::optional<double> billed_usd;   // usage.cost, when the provider reports its charge
};

// One HTTP request to the provider, relative to its base URL. Authentication
// is the transport's (it knows the key and how each format sends it).
struct upstream_request {
  // Appended to the base URL: "/chat/completions", "/messages",
  // "/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "/api/chat".
  std::string path;
  std::vector<std::string> headers;  // format-specific "Name: value" lines
  std::string body;                  // JSON text
  // Top-level parameters that carry no instruction to the model (user,
  // metadata, store, service_tier) and that this format has no place for:
  // left out, and reported to the client in x-llmopt-dropped-params. Any
  // other parameter the format cannot express is an `unsupported` error.
  std::vector<std::string> dropped;
};

// What a reply is translated with: names the upstream did not give.
struct reply_context {
  std::string model;        // the upstream model asked for; "model" when the reply names none
  std::string fallback_id;  // "chatcmpl-..."; "id" when the reply has none
  long long created = 0;    // Unix seconds; "created" when the reply has none
};

// A non-streaming reply as an OpenAI chat.completion:
//   {"id", "object": "chat.completion", "created", "model",
//    "choices": [{"index": 0, "message": {"role": "assistant",
//       "content": string or null, "tool_calls"?: [{"id", "type": "function",
//       "function": {"name", "arguments": JSON text}}], "refusal"?: string},
//       "finish_reason": "stop" | "length" | "tool_calls" | "content_filter"}],
//    "usage": {"prompt_tokens", "completion_tokens", "total_tokens",
//       "prompt_tokens_details"?: {"cached_tokens"}}}   (usage when reported)
struct chat_completion {
  nlohmann::json body;
  token_usage usage;
};

// One upstream stream turned into OpenAI chat.completion.chunk objects, fed
// the response body's bytes as they arrive (split anywhere). Every chunk has
// "id" (the same throughout), "object": "chat.completion.chunk", "created",
// "model" and "choices"; in order:
//   1. {"index": 0, "delta": {"role": "assistant", "content": ""},
//       "finish_reason": null}                                   (once)
//   2. text:  "delta": {"content": "..."}
//      tools: "delta": {"tool_calls": [{"index": k, "id", "type": "function",
//             "function": {"name", "arguments": ""}}]}, then argument text as
//             "delta": {"tool_calls": [{"index": k, "function":
//             {"arguments": "..."}}]}; k counts the tool calls from 0
//      refusal: "delta": {"refusal": "..."}
//   3. "delta": {}, "finish_reason": as in chat_completion   (once, at the end)
//   4. {"choices": [], "usage": {...}} when the upstream reported usage
// A decoder makes no other chunks. Bounded: an event over 4 MiB or deeper
// than reply_bounds is an error.
class stream_decoder {
 public:
  virtual ~stream_decoder() = default;
  // Appends the chunks the bytes complete. An error (see above) ends the
  // stream: the decoder takes nothing more.
  virtual status feed(std::string_view bytes, std::vector<nlohmann::json>& chunks) = 0;
  // The upstream closed the response; appends what is left. `cut` when the
  // stream had not reached its end event.
  virtual status finish(std::vector<nlohmann::json>& chunks) = 0;
  // What the stream has reported so far.
  const token_usage& usage() const { return usage_; }

 protected:
  token_usage usage_;
};

// -- dispatch over the formats ---------------------------------------------------

// The native request for `model` (the provider's name for it); streams when
// request.stream (and then always asks for usage).
result<upstream_request> translate_request(format f, const chat_request& request,
                                           const std::string& model);
// A 2xx non-streaming body, as a chat.completion.
result<chat_completion> translate_reply(format f, std::string_view body, const reply_context& ctx);
std::unique_ptr<stream_decoder> make_stream_decoder(format f, const reply_context& ctx);

// The message of an upstream's error body, in any format's shape
// ({"error": {"message"}}, {"error": "..."}, {"type": "error", "error":
// {...}}, Gemini's {"error": {"code", "message", "status"}}); at most 500
// bytes; empty when the body has none.
std::string upstream_error_message(std::string_view body);

// -- helpers the formats share -------------------------------------------------

// Parses an upstream reply or event within reply_bounds.
result<nlohmann::json> parse_reply_json(std::string_view text);
// The usage object of a chat.completion (or its final chunk).
nlohmann::json openai_usage(const token_usage& usage);
// A chat.completion.chunk with the given choices.
nlohmann::json chunk(const reply_context& ctx, nlohmann::json choices);
// `text` cut to at most `max` bytes (on a UTF-8 boundary), for messages.
std::string excerpt(std::string_view text, std::size_t max = 200);

}  // namespace llmopt::wire
