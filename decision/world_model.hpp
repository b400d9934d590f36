#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/model_spec.hpp"
#include "decision/result.hpp"

namespace llmopt {

// How a simulated model behaves: the world model shared by `llmopt simulate`
// and `llmopt provider-sim` (spec/scenario.md, "File").
struct model_behaviour {
  double latency_median_ms = 0;
  double latency_p95_ms = 0;
  double error_rate = 0;  // probability that a request fails
  double quality = 0;     // probability that a successful answer is good
};

struct simulated_model {
  model_key id;
  model_price price;
  model_behaviour behaviour;
  // How `llmopt provider-sim` paces a streamed answer and sizes it; unset
  // means its defaults (adapters/providers/README.md, "Streaming pace").
  // `llmopt simulate` ignores them.
  std::optional<double> ttft_ms = std::nullopt;           // first token after this long, >= 0
  std::optional<double> tokens_per_s = std::nullopt;      // then this rate; 0: as fast as read
  std::optional<long long> output_tokens = std::nullopt;  // completion tokens, not drawn
};

// A log-normal distribution fitted to a median and a 95th percentile.
struct lognormal {
  double mu = 0;
  double sigma = 0;

  // REQUIRES: 0 < median <= p95
  static lognormal from_median_p95(double median, double p95);
  // The value at standard-normal deviate z.
  double at(double z) const;
  double mean() const;
};

// One request's outcome on one model, before the policy sees it.
struct request_draw {
  double latency_ms = 0;
  bool failed = false;
  bool good = false;
};

// Common random numbers: the draw depends only on (seed, request_index,
// model id) and the behaviour passed in, so every policy faces the same world.
request_draw draw_request(const simulated_model& model, std::uint64_t seed,
                          std::uint64_t request_index);

// A uniform number in [0, 1) that depends only on its three inputs.
double uniform_draw(std::uint64_t seed, std::uint64_t index, std::uint64_t stream);
// A standard-normal number from the uniforms of `stream` and `stream + 1`.
double normal_draw(std::uint64_t seed, std::uint64_t index, std::uint64_t stream);
// A stream number for a name (FNV-1a: the same on every platform).
std::uint64_t stream_of(const std::string& name);

// Parses the scenario's `models` array (objects with id, price_in_per_mtok,
// price_out_per_mtok, latency_ms {median, p95}, error_rate, quality).
// Errors name the offending entry and field.
result<std::vector<simulated_model>> parse_simulated_models(const nlohmann::json& models);

// `model` with some parameters replaced, as a scenario's `set` event or
// provider-sim's admin update gives them: any of price_in_per_mtok,
// price_out_per_mtok, latency_ms {median, p95}, error_rate, quality. Errors
// name the field; unknown fields are refused.
result<simulated_model> with_changes(const simulated_model& model, const nlohmann::json& changes);

// Checks the bounds of a behaviour: latencies positive with median <= p95,
// error_rate and quality in [0, 1]. Returns an error naming the field.
status validate(const model_behaviour& b);

}  // namespace llmopt
