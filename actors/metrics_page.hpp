#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "decision/model_key.hpp"
#include "decision/routing_table.hpp"

namespace prometheus {
class Registry;
}

namespace llmopt {

// What one scrape of GET /metrics reads: the documents the admin API serves,
// each from the actor or thread that owns its data, gathered in turn.
struct metrics_sources {
  routing_table routes;
  nlohmann::json pipeline;   // GET /admin/v1/pipeline
  nlohmann::json providers;  // GET /admin/v1/providers' "providers"
  nlohmann::json breakers;   // GET /admin/v1/breakers' "breakers"
  nlohmann::json budgets;    // GET /admin/v1/budgets' "budgets"
  nlohmann::json cache;      // GET /admin/v1/cache
  nlohmann::json decisions;  // the decision actor's: by_trigger, constrained
};

// The Prometheus text exposition (version 0.0.4) of `calls` (the request
// path's metrics, gateway_metrics.hpp) followed by the llmopt_* state read
// from `s` at `now` (wall clock):
//   llmopt_routing_weight{route,model}, llmopt_routing_decision_id{route}
//   llmopt_decisions_total{trigger} (metric_label(): tick, startup, rescore,
//     circuit_open, circuit_closed, config, signal_<kind of signal>)
//   llmopt_candidate_constrained{route,model,constraint,how} (1 while the route's last
//     decision excluded or held back the candidate; constraint: constraint.hpp's codes)
//   llmopt_signals_{received,applied,duplicates,dead_lettered}_total{source}
//   llmopt_signals_applied_by_kind_total{kind}
//   llmopt_collector_{in_flight,paused,partitions,paused_partitions},
//   llmopt_collector_pauses_total, llmopt_consumer_lag_messages{topic,partition},
//   llmopt_dead_letters_total{reason}
//   llmopt_checkpoint_age_seconds, llmopt_dedup_window_ids
//   llmopt_provider_calls_total{provider,outcome}, llmopt_provider_{in_flight,paused}{provider}
//   llmopt_breaker_state{model,state} (1 for its state, 0 for the others),
//   llmopt_breaker_consecutive_failures{model}
//   llmopt_budget_{limit,spent,reserved,remaining}_usd{scope}
//   llmopt_cache_{hits,misses,joins,stores,evictions}_total, llmopt_cache_{entries,bytes},
//   llmopt_cache_l2_{hits,misses,errors}_total
// A member of a document that is missing or of another type is left out,
// never a failed scrape.
std::string metrics_text(const prometheus::Registry& calls, const metrics_sources& s, time_ms now);

}  // namespace llmopt
