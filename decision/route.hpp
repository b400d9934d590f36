#pragma once

#include <string>
#include <vector>

#include "decision/model_key.hpp"

namespace llmopt {

// The weights of the route's utility (spec/scenario.md, "Utility"):
//   u = quality * good - cost * cost_usd / cost_ref_usd - latency * latency_ms / latency_ref_ms
//   u = -1 for a failed request
struct objective {
  double quality = 0;
  double cost = 0;
  double latency = 0;
};

// A route: a name callers use as the `model` of a request, the models that
// may serve it, and what "best" means for it.
struct route_spec {
  std::string name;
  std::vector<model_key> candidates;
  objective weights;
  double cost_ref_usd = 0;
  double latency_ref_ms = 0;
  // The 95th-percentile latency the route promises its callers; 0 = none.
  // A candidate whose p95 is over it is held back while another meets it.
  double latency_slo_ms = 0;
  // The latency the utility weighs: "total" (the whole answer) or "ttft"
  // (time to the first streamed token). Set from config; read through
  // weighs_ttft().
  std::string latency_metric = "total";
  // The request path's, not the engine's: the deadline of a request (0:
  // router.timeout_ms), the retry preset ("default": router.retry), and
  // overrides of the preset's fields ("preset" / -1: the preset's own).
  int timeout_ms = 0;
  std::string retry = "default";
  std::string retry_kind = "preset";
  int retry_base_ms = -1;
  int retry_cap_ms = -1;
  int retry_max_retries = -1;
  // What the route may spend per budget_period ("day" or "month", UTC), in
  // USD; 0 = no budget. Enforced by the request path, not the engine.
  double budget_usd = 0;
  std::string budget_period = "month";

  bool weighs_ttft() const { return latency_metric == "ttft"; }
};

// The utility of one request outcome on `route`.
inline double request_utility(const route_spec& route, bool failed, bool good, double cost_usd,
                              double latency_ms) {
  if (failed) return -1.0;
  return route.weights.quality * (good ? 1.0 : 0.0) -
         route.weights.cost * cost_usd / route.cost_ref_usd -
         route.weights.latency * latency_ms / route.latency_ref_ms;
}

}  // namespace llmopt
