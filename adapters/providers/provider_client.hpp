#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "decision/signal.hpp"

namespace llmopt {

// One chat-completions call to one upstream model.
struct chat_call {
  std::string upstream_model;  // the provider's own name, e.g. "gpt-4o"
  // An OpenAI chat-completions request body (a JSON object; the caller
  // checks); the client sets body["model"] = upstream_model.
  nlohmann::json body;
};

// What came back. A failing provider is a normal outcome, not an exception.
struct chat_reply {
  call_status status = call_status::error;  // ok, error or timeout
  int http_status = 0;                      // 0 when no response arrived
  double latency_ms = 0;
  long long input_tokens = 0;        // usage.prompt_tokens, 0 if absent
  long long output_tokens = 0;       // usage.completion_tokens, 0 if absent
  std::optional<double> billed_usd;  // usage.cost, if the provider reports it (OpenRouter does)
  nlohmann::json body;               // the provider's response when ok
  std::string error;                 // why not ok; never contains the API key
};

// A provider's wire format over HTTP.
//
// Threading: send() may be called from any thread and returns at once;
// `done` runs exactly once, on the HTTP client's thread (a curl_loop), so it
// must not block.
class provider_client {
 public:
  virtual ~provider_client() = default;
  virtual void send(chat_call call, std::function<void(chat_reply)> done) = 0;
};

}  // namespace llmopt
