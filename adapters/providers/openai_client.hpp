#pragma once

#include <memory>
#include <string>

#include "adapters/providers/curl_loop.hpp"
#include "adapters/providers/provider_client.hpp"

namespace llmopt {

struct openai_client_options {
  std::string base_url;  // e.g. "http://127.0.0.1:9000/v1"; "/chat/completions" is appended
  std::string api_key;   // the resolved secret, or empty for no Authorization header
  long timeout_ms = 30000;
};

// A client for OpenAI and every OpenAI-compatible server (vLLM, Ollama's /v1,
// LiteLLM, the provider simulator). POSTs {base_url}/chat/completions with
// "Authorization: Bearer KEY" when a key is set.
//
// Outcomes: ok on 2xx with a JSON body holding `choices`; timeout when the
// timeout fired; error otherwise (non-2xx, using the body's error.message when
// present; connection failures; invalid JSON). The key is never logged and is
// masked out of every error string.
//
// REQUIRES: `loop` outlives the client and every call sent through it.
std::unique_ptr<provider_client> make_openai_compatible_client(curl_loop& loop,
                                                               openai_client_options options);

// How one HTTP result reads as a chat reply (exposed for tests). `api_key` is
// masked out of the error text.
chat_reply read_chat_reply(const curl_loop::http_result& r, long timeout_ms,
                           const std::string& api_key);

}  // namespace llmopt
