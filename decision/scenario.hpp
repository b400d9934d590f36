#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"
#include "decision/route.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

// A route of a scenario: the daemon's route plus its share of the traffic.
struct scenario_route {
  route_spec route;
  double share = 0;
};

// Something that happens at `at_s`: either new parameters for a model
// (`set`, applied to the world) or a raw signal delivered to the adapter of
// `topic` exactly as if it had arrived on Kafka (`emit`).
struct scenario_event {
  double at_s = 0;
  model_key model;      // set: the model changed
  nlohmann::json set;   // set: the changed parameters (null for an emit)
  std::string topic;    // emit: cost, latency, sentinel, shield or observatory
  nlohmann::json emit;  // emit: the raw signal (null for a set)
  std::string label;    // one line for reports, e.g. "openai:gpt-4o error_rate=1"
};

// A world of models and the traffic sent into it (spec/scenario.md, "File").
struct scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  double duration_s = 0;
  double requests_per_s = 0;
  double input_tokens_mean = 0;
  double output_tokens_mean = 0;
  double feedback_fraction = 0;
  double latency_profile_every_s = 0;  // 0: no profiles
  std::vector<scenario_route> routes;
  std::vector<simulated_model> models;
  std::vector<scenario_event> events;  // in time order

  long long request_count() const;
  const simulated_model* model(const model_key& id) const;
};

// Parses and checks a scenario; errors name the offending field, e.g.
// "routes[0].candidates[2]: unknown model 'openai:gpt-5'".
result<scenario> parse_scenario(const nlohmann::json& j);

// Reads and parses the scenario file at `path`; errors begin with the path.
result<scenario> load_scenario(const std::string& path);

}  // namespace llmopt
