// cost — topic llm.signals.cost: CostTelemetryEvent → cost_sample.
//
// Kind: an object with eventId or costUsd.
// Required: eventId (or envelope id), timestamp (or envelope time), modelId,
//   provider (unless modelId is "provider:model"), inputTokens, outputTokens
//   (counts), costUsd (>= 0).
// Optional: latencyMs (0 to a day), metadata {route, tenant} (strings).

#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {

typed_signal read_cost_signal(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  if (!r.has("eventId") && !r.has("costUsd")) {
    fail_unknown_kind(r, "cost", "eventId or costUsd");
    return s;
  }
  s.id = read_signal_id(r, "eventId", env);
  s.at = read_signal_time(r, "timestamp", env);
  s.model = read_model_key(r, model_presence::required);
  cost_sample cost;
  cost.input_tokens = r.count("inputTokens");
  cost.output_tokens = r.count("outputTokens");
  cost.cost_usd = r.number("costUsd", number_domain::non_negative);
  cost.latency_ms = r.optional_number("latencyMs", number_domain::duration_ms);
  if (auto metadata = r.object("metadata")) {
    cost.route = metadata->optional_text("route");
    cost.tenant = metadata->optional_text("tenant");
  }
  s.body = std::move(cost);
  return s;
}

}  // namespace llmopt
