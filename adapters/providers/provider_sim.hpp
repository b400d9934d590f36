#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/providers/simulated_models_file.hpp"
#include "decision/result.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

struct provider_sim_options {
  std::string listen = "127.0.0.1:0";
  std::vector<simulated_model> models;
  std::uint64_t seed = 1;
  double output_tokens_mean = 300;  // completion tokens ~ exponential with this mean
  int threads = 2;                  // HTTP I/O threads
};

// An HTTP server speaking OpenAI chat-completions whose models behave per the
// world model (decision/world_model.hpp): `llmopt provider-sim`.
//
//   POST /v1/chat/completions (or /chat/completions): request n (a counter
//        over all models) draws draw_request(model, seed, n); the answer is
//        sent after the drawn latency, without blocking a thread: a
//        chat.completion, or 500 {"error":{"type":"server_error"}} for a
//        failed draw. Headers x-sim-latency-ms, x-sim-request-index,
//        x-sim-good (1 when the draw is a good answer). `model` is a full id
//        or, when unique, the part after ':'; unknown → 404 model_not_found;
//        bad JSON or no model/messages → 400.
//   GET  /v1/models: the models, OpenAI list format. GET /health: 200.
//   GET  /admin/models/{id}: the model's current parameters.
//   POST /admin/models/{id}: partial update (latency_ms {median, p95},
//        error_rate, quality, price_in_per_mtok, price_out_per_mtok),
//        validated; returns the parameters now in force.
//
// Threading: every member may be called from any thread, except stop() and
// the destructor, which must not run on the simulator's own I/O threads.
class provider_sim {
 public:
  // Errors for a bad listen address, a bind failure, no models, duplicate
  // ids or an invalid behaviour.
  static result<std::unique_ptr<provider_sim>> start(provider_sim_options options);

  ~provider_sim();  // stop()
  provider_sim(const provider_sim&) = delete;
  provider_sim& operator=(const provider_sim&) = delete;

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"

  // Replaces a model's behaviour (full id or unique short name). Errors
  // "unknown_model", or "out_of_range" naming the invalid field.
  status set_behaviour(const model_key& id, const model_behaviour& b);
  // The models and their current parameters.
  std::vector<simulated_model> models() const;

  // Idempotent: closes the server; answers not yet sent are dropped.
  void stop();

  struct state;

 private:
  explicit provider_sim(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace llmopt
