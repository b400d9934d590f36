#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "decision/model_key.hpp"
#include "decision/model_spec.hpp"

namespace llmopt {

// -- enumerations of the upstream vocabularies (spec/signals.md) -------------

// One severity scale for every upstream: Sentinel's info/warning/error map to
// low/medium/high.
enum class severity { low, medium, high, critical };

enum class latency_anomaly_type { spike, degradation, timeout_increase, variance_change };

enum class anomaly_type {
  latency_spike,
  error_rate_increase,
  throughput_drop,
  cost_anomaly,
  quality_degradation,
  availability_issue,
  rate_limit_approach,
  token_usage_spike,
  response_size_anomaly,
  custom
};

enum class drift_type {
  performance_drift,
  quality_drift,
  cost_drift,
  behavior_drift,
  distribution_drift,
  concept_drift
};

enum class policy_reason {
  pii_detected,
  content_policy_violation,
  rate_limit_exceeded,
  token_limit_exceeded,
  blocked_pattern,
  injection_attempt,
  jailbreak_attempt,
  unauthorized_model,
  geo_restriction,
  custom_rule
};

enum class policy_action { block, warn, redact, modify };

enum class pii_action { block, redact, warn, log };

enum class pii_direction { input, output };

enum class call_status { ok, error, timeout };

// Names as they appear on the wire; to_string(x) is the canonical spelling.
std::string_view to_string(severity x);
std::string_view to_string(latency_anomaly_type x);
std::string_view to_string(anomaly_type x);
std::string_view to_string(drift_type x);
std::string_view to_string(policy_reason x);
std::string_view to_string(policy_action x);
std::string_view to_string(pii_action x);
std::string_view to_string(pii_direction x);
std::string_view to_string(call_status x);

// Parses a wire name; nullopt for an unknown value. Severity also accepts
// Sentinel's info/warning/error.
std::optional<severity> parse_severity(std::string_view s);
std::optional<latency_anomaly_type> parse_latency_anomaly_type(std::string_view s);
std::optional<anomaly_type> parse_anomaly_type(std::string_view s);
std::optional<drift_type> parse_drift_type(std::string_view s);
std::optional<policy_reason> parse_policy_reason(std::string_view s);
std::optional<policy_action> parse_policy_action(std::string_view s);
std::optional<pii_action> parse_pii_action(std::string_view s);
std::optional<pii_direction> parse_pii_direction(std::string_view s);
std::optional<call_status> parse_call_status(std::string_view s);

// -- signal bodies ------------------------------------------------------------

// cost: one priced request (CostTelemetryEvent).
struct cost_sample {
  long long input_tokens = 0;
  long long output_tokens = 0;
  double cost_usd = 0;
  std::optional<double> latency_ms;
  std::string route;   // metadata.route, empty if absent
  std::string tenant;  // metadata.tenant, empty if absent
};

// latency: a window summary (LatencyProfile).
struct latency_profile {
  double p50_ms = 0;
  double p90_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double mean_ms = 0;
  double std_dev_ms = 0;
  long long sample_count = 0;
  std::optional<double> ttft_ms;
  std::optional<double> tokens_per_second;
};

// latency: LatencyLens anomaly (LatencyAnomaly).
struct latency_anomaly {
  latency_anomaly_type type = latency_anomaly_type::spike;
  severity level = severity::low;
  double observed_value = 0;
  double baseline_value = 0;
  double deviation_percent = 0;
};

// sentinel: AnomalyEvent, or Sentinel's snake_case alert layout. An event
// with active == false resolves the earlier one with the same anomaly_id.
struct anomaly_event {
  std::string anomaly_id;
  anomaly_type type = anomaly_type::custom;
  severity level = severity::low;
  std::string metric;
  double observed_value = 0;
  double expected_value = 0;
  double threshold = 0;
  double deviation_percent = 0;
  bool active = true;
};

// sentinel: DriftSignal.
struct drift_signal {
  drift_type type = drift_type::performance_drift;
  double magnitude = 0;       // 0..1
  double p_value = 1;         // 0..1
  double confidence = 0;      // 0..1
  time_ms observed_from = 0;  // when its observation period began; 0 = not given
  std::vector<std::string> affected_metrics;
  std::string recommendation;
};

// shield: PolicyBlockEvent. With action block and reason unauthorized_model
// or geo_restriction it removes the model from `route` (all routes when
// route is empty).
struct policy_block {
  std::string policy_id;
  std::string policy_name;
  policy_reason reason = policy_reason::custom_rule;
  severity level = severity::low;
  policy_action action = policy_action::warn;
  std::string route;
};

// shield: PIIDetectionSignal. Output-side PII counts against the model.
struct pii_detection {
  pii_direction direction = pii_direction::input;
  std::vector<std::string> pii_types;
  pii_action action = pii_action::log;
  bool content_modified = false;
  double risk_score = 0;  // 0..1
};

// The longest duration a call may report: a day, the bound the signal
// adapters put on every latency (number_domain::duration_ms).
inline constexpr double max_call_duration_ms = 86'400'000;
// The fastest generation a call may report. Models stream hundreds to a few
// thousand tokens/s; a faster figure is an artefact of measuring (chunks
// buffered upstream and delivered at once), not the model's speed.
inline constexpr double max_output_tokens_per_s = 1'000'000;

// `x` when it is a finite number in [0, max]; nullopt otherwise.
std::optional<double> within_bounds(std::optional<double> x, double max);

// One request outcome: a call the router made, or a TelemetryTrace span.
struct call_outcome {
  std::string route;  // empty if unknown
  call_status status = call_status::ok;
  double latency_ms = 0;
  long long input_tokens = 0;
  long long output_tokens = 0;
  std::optional<double> cost_usd;  // unknown for spans without pricing
  // What the provider billed for the call, when its response says so
  // (OpenRouter's usage.cost). Believed over the list price.
  std::optional<double> billed_usd;
  // Streamed calls only, as the gateway measured them: the time to the
  // first token, the mean gap between token chunks, and output tokens per
  // second after the first token. Unset for a call that was not streamed
  // or could not be measured, and for spans (spec/signals.md carries no
  // first-token time). When set: finite, >= 0, and at most
  // max_call_duration_ms (output_tokens_per_s: max_output_tokens_per_s);
  // router_call_signal drops any other value.
  std::optional<double> ttft_ms;
  std::optional<double> inter_token_ms;
  std::optional<double> output_tokens_per_s;
};

// observatory: quality feedback, normalised to 0..1 (quality as given,
// rating 1..5 as (rating-1)/4, liked as 1 or 0).
struct quality_feedback {
  std::string route;  // data.route, empty if absent
  double quality = 0;
};

// observatory: any other StructuredEvent. Counted, not otherwise used yet.
struct structured_event {
  std::string type;
  std::string category;
};

// The order of alternatives is the order of signal_kind.
using signal_body =
    std::variant<cost_sample, latency_profile, latency_anomaly, anomaly_event, drift_signal,
                 policy_block, pii_detection, call_outcome, quality_feedback, structured_event>;

enum class signal_kind {
  cost,
  latency_profile,
  latency_anomaly,
  anomaly,
  drift,
  policy_block,
  pii_detection,
  call_outcome,
  quality_feedback,
  structured_event
};
constexpr int signal_kind_count = 10;
static_assert(std::variant_size_v<signal_body> == signal_kind_count);

std::string_view to_string(signal_kind x);
std::optional<signal_kind> parse_signal_kind(std::string_view s);

// One signal, whatever its upstream shape.
struct typed_signal {
  std::string id;   // the upstream's id (eventId, profileId, anomalyId, ...)
  time_ms at = 0;   // when it happened, per the upstream
  model_key model;  // canonical "provider:model"; empty if the signal names none
  signal_body body;

  signal_kind kind() const { return static_cast<signal_kind>(body.index()); }
};

// A call the router made, as the signal it feeds back to the aggregator: a
// success is priced at `list_price` (nullptr: unknown, $0) for its tokens.
// Its stream timings are kept when within call_outcome's bounds, dropped
// otherwise: a broken measurement says nothing about the model.
typed_signal router_call_signal(const model_key& model, call_outcome call,
                                const model_price* list_price, time_ms at);

// What a Shield policy event does to its model on its route ("" = every
// route): only model policies (unauthorized_model, geo_restriction) act on
// routing; `block` keeps the model off, any other action of the same policy
// lets it back.
enum class policy_effect { none, block, allow };
policy_effect model_policy_effect(const policy_block& b);

// Quality, concept and behaviour drifts: those that say what a model's
// answers are worth now.
bool drifts_quality(drift_type t);

// Urgent signals make the decision actor decide at once instead of on its
// tick: critical anomalies, availability issues, policy blocks, quality,
// concept and behaviour drifts, and the resolution of an anomaly.
bool is_urgent(const typed_signal& s);

// One line naming the signal for decision reasons and logs, e.g.
// "anomaly a-17 availability_issue/critical on openai:gpt-4o".
std::string describe(const typed_signal& s);

}  // namespace llmopt
