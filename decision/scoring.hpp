#pragma once

#include <vector>

#include "decision/assert.hpp"
#include "decision/decision_record.hpp"
#include "decision/model_spec.hpp"
#include "decision/model_stats.hpp"
#include "decision/route.hpp"

namespace llmopt {

struct engine_options {
  double temperature = 0.05;        // softmax temperature over expected utility
  double min_weight_change = 0.02;  // smaller moves are not a new decision
  double down_error_rate = 0.5;     // a model at or above this error rate ...
  long long down_min_calls = 5;     // ... over at least this many calls is down
  double default_input_tokens = 800;
  double default_output_tokens = 300;
  double default_latency_ms = 1000;  // before any latency is known
};

// The tokens one request of a route is expected to use.
struct token_expectation {
  double input = 0;
  double output = 0;
};

// Pools the mean tokens the candidates' calls used, weighted by how many
// cost samples each has; the defaults of `options` when none has any. Every
// candidate of a route is then priced for the same request.
token_expectation expected_tokens(const std::vector<const model_view*>& candidates,
                                  const engine_options& options);

// The expected cost of a request of `tokens` on a model: its list price,
// scaled by what cost telemetry says it really charges (observed cost over
// the list cost of the same tokens) when there are cost samples.
double expected_cost(const model_spec* spec, const model_view& view, token_expectation tokens);

// Scores one candidate of `route`: its expected utility per request, from
// the model's live view (nullptr: nothing seen yet) and its list price
// (nullptr: unknown). Sets `excluded` instead of a score when the model is
// blocked by policy for the route or down.
candidate_assessment assess(const route_spec& route, const model_spec* spec, const model_view* view,
                            token_expectation tokens, const engine_options& options);

// Routing weights from scores: a softmax at `temperature`, summing to 1.
// REQUIRES: scores non-empty, temperature > 0
std::vector<double> softmax_weights(const std::vector<double>& scores, double temperature);

}  // namespace llmopt
