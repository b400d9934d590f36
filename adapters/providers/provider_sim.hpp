#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/providers/sim_completion.hpp"
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

// An HTTP server speaking the four providers' native APIs at once, whose
// models behave per the world model (decision/world_model.hpp):
// `llmopt provider-sim`. The full contract is in adapters/providers/README.md
// ("The provider simulator"); in short:
//
//   POST /v1/chat/completions (or /chat/completions)   OpenAI
//   POST /v1/messages                                  Anthropic
//   POST /v1beta/models/{model}:generateContent        Gemini
//        /v1beta/models/{model}:streamGenerateContent  (?alt=sse: SSE)
//   POST /api/chat; GET /api/tags, /api/version        Ollama
//
// Request n (a counter over all models and formats) draws
// draw_request(model, seed, n): the answer (or a 500 for a failed draw, in
// the API's error shape) comes after the drawn latency, without blocking a
// thread; a stream starts at 20% of it and ends at it (or per the model's
// ttft_ms and tokens_per_s). Headers x-sim-latency-ms, x-sim-request-index,
// x-sim-good. `model` is a full id or, when unique, the part after ':';
// unknown → 404; a bad request → 400 naming the field, both in the API's
// error shape.
//
//   GET  /v1/models: the models, OpenAI list format. GET /health: 200.
//   GET|POST /admin/models/{id}: a model's parameters; a partial update.
//   POST|GET|DELETE /admin/faults: inject, list, clear faults (sim_faults.hpp).
//   GET  /admin/stats[?until_open=N&timeout_ms=T]: counters, or awaited (sim_stats.hpp).
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
  // The base URL a client of `format` is configured with:
  // openai and anthropic "http://H:P/v1", gemini "http://H:P/v1beta",
  // ollama "http://H:P".
  std::string base_url(sim_format format = sim_format::openai) const;

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
