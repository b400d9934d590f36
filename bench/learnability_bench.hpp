#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "decision/result.hpp"

namespace llmopt {

struct learnability_options {
  std::string scenario_file;
  int seeds = 20;
  std::uint64_t first_seed = 1000;
};

// `llmopt bench learnability`: how close llmopt comes to what can be learnt
// on a scenario. For each seed it simulates the scenario with llmopt, the
// baselines (for the normalized score) and a reference learner that is told
// every model's true error rate, latency, price and policy blocks at every
// moment, as no router is, and learns only answer quality: from the same
// feedback, by Thompson sampling on a Beta posterior per model that fades
// with the engine's half-life. A target the reference learner misses is not
// to be expected of a policy that must learn quality from that feedback.
// The `thompson` baseline, a bandit told nothing, is the bar to clear.
// Returns {"scenario", "seeds": [{"seed", "llmopt", "reference", "thompson"}],
// "llmopt": {"mean", "p10", "min", "max", "at_least_0.90"}, "reference":
// {...}, "thompson": {...}}.
result<nlohmann::json> run_learnability_bench(const learnability_options& options);

}  // namespace llmopt
