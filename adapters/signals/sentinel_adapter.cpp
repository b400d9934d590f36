// sentinel — topic llm.signals.sentinel.
//
// DriftSignal → drift_signal. Kind: driftId or magnitude.
//   Required: driftId (or envelope id), detectedAt (or envelope time), type,
//   modelId, provider (unless modelId is "provider:model"), magnitude,
//   pValue, confidence (all in [0, 1]).
//   Optional: baselinePeriod, observationPeriod ({start, end} timestamps,
//   checked; the observation period's start is kept), affectedMetrics
//   (strings), recommendation.
//
// AnomalyEvent → anomaly_event. Kind: anomalyId.
//   Required: anomalyId (or envelope id), detectedAt (or envelope time),
//   type, severity, modelId, provider (as above).
//   Optional: metric, observedValue, expectedValue, threshold,
//   deviationPercent (finite; default 0), isActive (default true),
//   resolvedAt (timestamp; its presence means resolved, and it is then the
//   signal's time).
//
// Sentinel's Rust alert layout → anomaly_event. Kind: alert_id or
// anomaly_type.
//   Required: alert_id (or envelope id), timestamp (or envelope time),
//   severity, anomaly_type, model. Model key: model as is if it contains
//   ':', else "service_name:model", else the bare model.
//   Optional: service_name, detection_method, confidence ([0, 1]), details
//   {metric, value, baseline, threshold, deviation_sigma} (finite),
//   is_active / resolved_at as above. deviation_percent is derived:
//   (value - baseline) / |baseline| * 100, 0 when baseline is 0 or absent.

#include <cmath>

#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

constexpr auto finite = number_domain::finite;
constexpr auto unit = number_domain::unit_interval;

// A {start, end} period, checked; its start, if given.
std::optional<time_ms> read_period(field_reader& r, std::string_view name) {
  auto period = r.object(name);
  if (!period) return std::nullopt;
  auto start = period->optional_time("start");
  period->optional_time("end");
  return start;
}

typed_signal read_drift(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "driftId", env);
  s.at = read_signal_time(r, "detectedAt", env);
  drift_signal d;
  d.type = r.enumeration("type", parse_drift_type);
  s.model = read_model_key(r, model_presence::required);
  d.magnitude = r.number("magnitude", unit);
  d.p_value = r.number("pValue", unit);
  d.confidence = r.number("confidence", unit);
  read_period(r, "baselinePeriod");
  d.observed_from = read_period(r, "observationPeriod").value_or(0);
  d.affected_metrics = r.strings("affectedMetrics");
  d.recommendation = r.optional_text("recommendation");
  s.body = std::move(d);
  return s;
}

// isActive / resolvedAt, shared by both anomaly layouts. A resolvedAt
// becomes the signal's time.
void read_activity(field_reader& r, typed_signal& s, anomaly_event& a) {
  auto active = r.optional_flag("isActive");
  auto resolved_at = r.optional_time("resolvedAt");
  a.active = active.value_or(true) && !resolved_at;
  if (resolved_at) s.at = *resolved_at;
}

typed_signal read_anomaly(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  anomaly_event a;
  a.anomaly_id = read_signal_id(r, "anomalyId", env);
  s.at = read_signal_time(r, "detectedAt", env);
  a.type = r.enumeration("type", parse_anomaly_type);
  a.level = r.enumeration("severity", parse_severity);
  s.model = read_model_key(r, model_presence::required);
  a.metric = r.optional_text("metric");
  a.observed_value = r.optional_number("observedValue", finite).value_or(0);
  a.expected_value = r.optional_number("expectedValue", finite).value_or(0);
  a.threshold = r.optional_number("threshold", finite).value_or(0);
  a.deviation_percent = r.optional_number("deviationPercent", finite).value_or(0);
  read_activity(r, s, a);
  s.id = a.anomaly_id;
  s.body = std::move(a);
  return s;
}

typed_signal read_rust_alert(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  anomaly_event a;
  a.anomaly_id = read_signal_id(r, "alertId", env);
  s.at = read_signal_time(r, "timestamp", env);
  a.level = r.enumeration("severity", parse_severity);
  a.type = r.enumeration("anomalyType", parse_anomaly_type);
  std::string_view service = r.optional_text("serviceName");
  std::string_view model = r.text("model");
  if (!r.failed()) s.model = make_model_key(service, model);
  r.optional_text("detectionMethod");
  r.optional_number("confidence", unit);
  if (auto details = r.object("details")) {
    a.metric = details->optional_text("metric");
    a.observed_value = details->optional_number("value", finite).value_or(0);
    a.expected_value = details->optional_number("baseline", finite).value_or(0);
    a.threshold = details->optional_number("threshold", finite).value_or(0);
    details->optional_number("deviationSigma", finite);
    if (a.expected_value != 0) {
      double percent = (a.observed_value - a.expected_value) / std::fabs(a.expected_value) * 100;
      if (std::isfinite(percent)) a.deviation_percent = percent;
    }
  }
  read_activity(r, s, a);
  s.id = a.anomaly_id;
  s.body = std::move(a);
  return s;
}

}  // namespace

typed_signal read_sentinel_signal(field_reader& r, const envelope_defaults& env) {
  if (r.has("driftId")) return read_drift(r, env);
  if (r.has("anomalyId")) return read_anomaly(r, env);
  if (r.has("alertId")) return read_rust_alert(r, env);
  if (r.has("magnitude")) return read_drift(r, env);
  if (r.has("anomalyType")) return read_rust_alert(r, env);
  fail_unknown_kind(r, "sentinel", "driftId, anomalyId or alert_id");
  return {};
}

}  // namespace llmopt
