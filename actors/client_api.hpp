#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/http/message.hpp"
#include "adapters/providers/anthropic_inbound.hpp"

namespace llmopt {

// The API a client called llmopt through. Requests are llmopt's own (OpenAI)
// shape inside; answers, errors and streams go back in the client's.
enum class client_api { openai, anthropic };

// An error for the client: the status, OpenAI's type and code, a message and
// the request field it concerns (OpenAI's "param"; empty when none).
struct api_error {
  int status = 500;
  std::string type;
  std::string code;
  std::string message;
  std::string param;
};

// The error as the client's API shapes it: OpenAI's {"error": {"message",
// "type", "code", "param"}} or Anthropic's {"type": "error", "error":
// {"type", "message"}}.
http::response error_answer(client_api api, const api_error& e);

// A chat.completion as the client's API shapes it (Anthropic: a Message).
std::string completion_answer(client_api api, const nlohmann::json& completion);

// Writes a stream's chunks (wire_format.hpp's chunk contract) as the
// client's server-sent events: OpenAI's `data: CHUNK` lines ending in
// `data: [DONE]`, or Anthropic's event stream. The final usage chunk goes to
// OpenAI clients only when they asked for it (stream_options.include_usage);
// Anthropic clients always get usage.
class client_stream_encoder {
 public:
  client_stream_encoder(client_api api, bool include_usage)
      : api_(api), include_usage_(include_usage) {}

  std::string chunk(const nlohmann::json& chunk);
  // The clean end of the stream.
  std::string done();
  // The stream failed after it began: an error event, and never a clean end.
  std::string failed(const api_error& e);

 private:
  client_api api_;
  bool include_usage_;
  wire::message_stream_encoder anthropic_;
};

}  // namespace llmopt
