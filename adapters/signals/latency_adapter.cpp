// latency — topic llm.signals.latency (LatencyLens).
//
// LatencyProfile → latency_profile. Kind: profileId or p50Ms.
//   Required: profileId (or envelope id), timestamp (or envelope time),
//   modelId, provider (unless modelId is "provider:model"), p50Ms, p90Ms,
//   p95Ms, p99Ms, meanMs, stdDevMs (ms, 0 to a day), sampleCount (count).
//   Optional: ttftMs (ms, 0 to a day), tokensPerSecond (>= 0).
//
// LatencyAnomaly → latency_anomaly. Kind: anomalyId or baselineValue.
//   Required: anomalyId (or envelope id), detectedAt (or envelope time),
//   modelId, provider (as above), type, severity, observedValue,
//   baselineValue (>= 0), deviationPercent (finite, may be negative).

#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

typed_signal read_profile(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "profileId", env);
  s.at = read_signal_time(r, "timestamp", env);
  s.model = read_model_key(r, model_presence::required);
  latency_profile p;
  constexpr auto ms = number_domain::duration_ms;
  p.p50_ms = r.number("p50Ms", ms);
  p.p90_ms = r.number("p90Ms", ms);
  p.p95_ms = r.number("p95Ms", ms);
  p.p99_ms = r.number("p99Ms", ms);
  p.mean_ms = r.number("meanMs", ms);
  p.std_dev_ms = r.number("stdDevMs", ms);
  p.sample_count = r.count("sampleCount");
  p.ttft_ms = r.optional_number("ttftMs", ms);
  p.tokens_per_second = r.optional_number("tokensPerSecond", number_domain::non_negative);
  s.body = p;
  return s;
}

typed_signal read_anomaly(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "anomalyId", env);
  s.at = read_signal_time(r, "detectedAt", env);
  s.model = read_model_key(r, model_presence::required);
  latency_anomaly a;
  a.type = r.enumeration("type", parse_latency_anomaly_type);
  a.level = r.enumeration("severity", parse_severity);
  a.observed_value = r.number("observedValue", number_domain::non_negative);
  a.baseline_value = r.number("baselineValue", number_domain::non_negative);
  a.deviation_percent = r.number("deviationPercent", number_domain::finite);
  s.body = a;
  return s;
}

}  // namespace

typed_signal read_latency_signal(field_reader& r, const envelope_defaults& env) {
  if (r.has("profileId")) return read_profile(r, env);
  if (r.has("anomalyId")) return read_anomaly(r, env);
  if (r.has("p50Ms")) return read_profile(r, env);
  if (r.has("baselineValue")) return read_anomaly(r, env);
  fail_unknown_kind(r, "latency", "profileId or anomalyId");
  return {};
}

}  // namespace llmopt
