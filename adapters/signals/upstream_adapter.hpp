#pragma once

#include <optional>
#include <string_view>

#include "adapters/signals/field_reader.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// -- the contract of an upstream adapter ----------------------------------------
//
// An upstream adapter reads one JSON object published by one upstream system
// (camelCase or snake_case, see field_reader) and returns the typed signal
// it denotes. It first decides the kind from the keys present; none of its
// kinds → unknown_kind. A bad object leaves its first error in the reader
// (r.failed()); the returned signal is then meaningless and must be dropped.
// Unknown extra fields are ignored. Each adapter's .cpp lists, per shape,
// the fields it requires; every other field is optional.

// What a CloudEvents envelope adds to its payload: `id` and `time` stand in
// for the payload's own id and main timestamp when it has none.
struct envelope_defaults {
  std::string_view id;  // empty when there is no envelope or no id
  std::optional<time_ms> time;
};

// cost: CostTelemetryEvent (cost_adapter.cpp).
typed_signal read_cost_signal(field_reader& r, const envelope_defaults& env);
// latency: LatencyProfile, LatencyAnomaly (latency_adapter.cpp).
typed_signal read_latency_signal(field_reader& r, const envelope_defaults& env);
// sentinel: DriftSignal, AnomalyEvent, Sentinel's Rust alert layout
// (sentinel_adapter.cpp).
typed_signal read_sentinel_signal(field_reader& r, const envelope_defaults& env);
// shield: PolicyBlockEvent, PIIDetectionSignal (shield_adapter.cpp).
typed_signal read_shield_signal(field_reader& r, const envelope_defaults& env);
// observatory: TelemetryTrace span, StructuredEvent (observatory_adapter.cpp).
typed_signal read_observatory_signal(field_reader& r, const envelope_defaults& env);
// calls: the calls llmopt instances make (calls_adapter.cpp).
typed_signal read_calls_signal(field_reader& r, const envelope_defaults& env);

// -- helpers shared by the adapters (upstream_adapter.cpp) ----------------------

// The signal id from field `name`, else the envelope id; missing_field if
// neither is there.
std::string_view read_signal_id(field_reader& r, std::string_view name,
                                const envelope_defaults& env);

// The main timestamp from field `name`, else the envelope time;
// missing_field if neither is there.
time_ms read_signal_time(field_reader& r, std::string_view name, const envelope_defaults& env);

enum class model_presence { required, optional };

// The canonical model key from `modelId` and `provider` (make_model_key).
// Required: modelId must be present, and so must provider unless modelId
// already reads "provider:model" (a bare name matches no candidate).
// Optional: empty when modelId is absent; a bare modelId without provider
// is kept bare.
model_key read_model_key(field_reader& r, model_presence presence);

// Records unknown_kind for an object of `topic` that has none of the keys
// (`expected`, prose such as "profileId or anomalyId") naming its kinds.
void fail_unknown_kind(field_reader& r, std::string_view topic, std::string_view expected);

}  // namespace llmopt
