#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/model_key.hpp"

namespace llmopt {

// The traffic split of one route, as the router applies it. Weights sum to 1
// over the candidates that may receive traffic; a candidate with weight 0 is
// never tried.
struct route_weights {
  std::string route;
  long long decision_id = 0;  // the decision that set these weights (0: none yet)
  std::vector<std::pair<model_key, double>> weights;

  double weight_of(const model_key& m) const;

  // The order in which the router tries candidates for one request: first the
  // one drawn by weight with u in [0, 1), then the rest with positive weight,
  // heaviest first.
  std::vector<model_key> attempt_order(double u) const;
  // The same over the candidates `eligible` accepts, their weights
  // renormalized: a candidate that cannot serve a request is left out and
  // the others share its traffic in proportion.
  std::vector<model_key> attempt_order(double u,
                                       const std::function<bool(const model_key&)>& eligible) const;
};

// Every route's current weights: what the decision actor pushes to the router.
using routing_table = std::map<std::string, route_weights>;

void to_json(nlohmann::json& j, const route_weights& w);
void from_json(const nlohmann::json& j, route_weights& w);

}  // namespace llmopt
