#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/model_key.hpp"

namespace llmopt {

// How the engine saw one candidate of a route when it decided: the inputs,
// the score, and the weight that came out. `excluded` says why a candidate
// got no traffic (empty when it was eligible).
struct candidate_assessment {
  model_key model;
  double weight = 0;
  double previous_weight = 0;
  std::optional<double> score;  // expected utility per request; none when excluded
  double score_sd = 0;          // its uncertainty (standard deviation), from quality
  double p_best = 0;            // posterior probability that it is the best candidate
  std::string excluded;
  // Why a scored candidate gets only a probe share rather than what its
  // score would earn (a model retried after a failure streak).
  std::string held_back;
  bool over_slo = false;  // held back for the route's latency SLO (not stored)

  // Inputs to the score.
  double quality = 0;          // posterior mean of P(good answer)
  double quality_sd = 0;       // posterior standard deviation
  double quality_samples = 0;  // feedback samples behind it
  double error_rate = 0;  // over `calls`: the live window's, or its newest when they show a change
  long long calls = 0;
  double expected_latency_ms = 0;
  double latency_samples = 0;    // calls behind it: own and a fresh upstream profile's
  double expected_cost_usd = 0;  // per request
  std::optional<double> p50_ms;
  std::optional<double> p95_ms;
};

// A change of one route's weights, with everything needed to explain it.
struct decision {
  long long id = 0;
  time_ms at = 0;
  std::string route;
  std::string trigger;               // "tick", "startup", or the describe() of a signal
  std::vector<std::string> reasons;  // one sentence each, most important first
  std::vector<candidate_assessment> candidates;
};

void to_json(nlohmann::json& j, const candidate_assessment& c);
void from_json(const nlohmann::json& j, candidate_assessment& c);
void to_json(nlohmann::json& j, const decision& d);
void from_json(const nlohmann::json& j, decision& d);

// A multi-line explanation for operators (`llmopt decisions explain ID`).
std::string explain(const decision& d);

}  // namespace llmopt
