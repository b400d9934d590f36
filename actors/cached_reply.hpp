#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/client_api.hpp"
#include "adapters/http/message.hpp"

namespace llmopt {

// One client waiting for an answer it does not call for itself: a cache hit,
// or a request that joined an identical call in flight.
struct cache_client {
  client_api api = client_api::openai;
  http::responder reply;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string id;              // its own answer id ("chatcmpl-llmopt-N")
  long long created = 0;       // its own "created"
  // Sent on every answer: x-llmopt-route, x-llmopt-decision, x-llmopt-cache.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers one cache_client from a shared answer, in its own API and with its
// own id: at once from a whole completion (answer()), or as a shared call
// goes (chunks(), then answer() or failed()). A streaming client gets its
// stream started at the first chunks; a non-streaming one waits for the
// whole completion. Answered without any call of its own: nothing to account.
//
// Memory: a streaming client that lets more than max_queued bytes pile up
// is cut off with an error event (it has fallen behind the shared call,
// which does not wait for it).
//
// Threading: the curl loop's thread only.
class cached_reply {
 public:
  static constexpr std::size_t max_queued = 1u << 20;

  explicit cached_reply(cache_client client) : client_(std::move(client)) {}

  // The shared call's chunks so far (wire_format.hpp's chunk contract) from
  // `model`. Non-streaming clients ignore them.
  void chunks(const std::vector<nlohmann::json>& chunks, const std::string& model);
  // The whole answer from `model`: a non-streaming client gets the
  // completion, renamed; a streaming one the rest of the stream (all of it,
  // replayed, when it had no chunks), ending in a clean end.
  void answer(const nlohmann::json& completion, const std::string& model);
  // The shared call failed: the client gets the same error (an error event
  // when its stream had begun), with `retry_after_s` when given.
  void failed(const api_error& e, std::optional<long long> retry_after_s);
  // Answered, cut off, or the client is gone: takes nothing more.
  bool done() const { return done_; }

 private:
  http::response with_headers(http::response r, const std::string& model) const;
  bool begin_stream(const std::string& model);
  void write(const nlohmann::json& chunk);

  cache_client client_;
  std::shared_ptr<http::response_stream> stream_;
  std::unique_ptr<client_stream_encoder> encoder_;
  bool done_ = false;
};

}  // namespace llmopt
