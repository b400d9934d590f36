#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/curl_loop.hpp"
#include "adapters/providers/upstream_outcome.hpp"
#include "adapters/providers/wire_format.hpp"

namespace llmopt {

// Where and how one provider is called.
struct provider_endpoint {
  std::string name;  // the provider part of model keys, for messages
  wire::format format = wire::format::openai;
  // The API root the format's paths are appended to, e.g.
  // https://api.openai.com/v1; "{model}" in it is replaced by the model name
  // (Azure OpenAI: https://R.openai.azure.com/openai/deployments/{model}).
  std::string base_url;
  std::string api_key;      // the resolved secret; empty: no authentication header
  std::string key_header;   // how the key is sent; empty: the format's own (see key_header_of)
  std::string api_version;  // non-empty: ?api-version= on every call (Azure OpenAI)
  // Non-streaming: the whole call. Streaming: the wait for any next bytes,
  // the first included (a stall), with no limit on the whole stream.
  long timeout_ms = 30000;
};

// The header a format sends its key in by default: "authorization" (as
// "Bearer KEY") for openai and ollama, "x-api-key" for anthropic,
// "x-goog-api-key" for gemini.
std::string key_header_of(wire::format f);

// A streaming call's chunks as they arrive, translated (wire_format.hpp's
// chunk contract). Return false to be given nothing more until
// provider_client::resume().
using chunk_sink = std::function<bool(std::vector<nlohmann::json>& chunks)>;
using reply_sink = std::function<void(upstream_reply)>;

// Calls one provider: translates a request to its wire format, sends it over
// a curl_loop, and reads the reply or stream back, classified
// (upstream_outcome.hpp). The API key is sent only in its header, never
// logged, and masked out of every error text, upstream messages included.
//
// Threading: start() runs on the loop's thread (post() there first);
// cancel(), resume() and translate() may be called from any thread. The
// sinks run on the loop's thread, `done` exactly once for a started call,
// after the last chunks. REQUIRES: the loop outlives the client.
class provider_client {
 public:
  provider_client(curl_loop& loop, provider_endpoint endpoint);

  const provider_endpoint& endpoint() const { return endpoint_; }

  // The request as this provider's wire format would send it for `model`:
  // an `unsupported` error when the format cannot express it (then nothing
  // may be sent), naming the field.
  result<wire::upstream_request> translate(const chat_request& request,
                                           const std::string& model) const;

  // Sends `native` (from translate()). When request.stream, `on_chunks` gets
  // the stream's chunks as they arrive; otherwise it is not called and the
  // reply carries the completion. `ctx` names what the reply does not.
  // `time_limit_ms` > 0 bounds the whole call, a stream included (the
  // request's deadline); the endpoint's timeout_ms applies as well.
  // REQUIRES: on the loop's thread.
  curl_loop::call_id start(const chat_request& request, const std::string& model,
                           wire::upstream_request native, const wire::reply_context& ctx,
                           chunk_sink on_chunks, reply_sink done, long time_limit_ms = 0);
  void cancel(curl_loop::call_id id) { loop_.cancel(id); }
  void resume(curl_loop::call_id id) { loop_.resume(id); }

  // The URL and headers of a call (exposed for tests).
  curl_loop::http_call http_call_for(const std::string& model,
                                     const wire::upstream_request& native) const;

 private:
  curl_loop& loop_;
  provider_endpoint endpoint_;
};

// `text` with every occurrence of `secret`, and every masked echo of it a
// provider may quote ("sk-ab****wxyz"), replaced by "[redacted]".
std::string mask_secret(std::string text, const std::string& secret);

}  // namespace llmopt
