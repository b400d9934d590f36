#include "decision/signal.hpp"

#include <array>
#include <cstdio>

#include "decision/enum_names.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 4> severity_names{"low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 4> latency_anomaly_type_names{
    "spike", "degradation", "timeout_increase", "variance_change"};
constexpr std::array<std::string_view, 10> anomaly_type_names{
    "latency_spike",         "error_rate_increase",
    "throughput_drop",       "cost_anomaly",
    "quality_degradation",   "availability_issue",
    "rate_limit_approach",   "token_usage_spike",
    "response_size_anomaly", "custom"};
constexpr std::array<std::string_view, 6> drift_type_names{"performance_drift",  "quality_drift",
                                                           "cost_drift",         "behavior_drift",
                                                           "distribution_drift", "concept_drift"};
constexpr std::array<std::string_view, 10> policy_reason_names{
    "pii_detected",         "content_policy_violation", "rate_limit_exceeded",
    "token_limit_exceeded", "blocked_pattern",          "injection_attempt",
    "jailbreak_attempt",    "unauthorized_model",       "geo_restriction",
    "custom_rule"};
constexpr std::array<std::string_view, 4> policy_action_names{"block", "warn", "redact", "modify"};
constexpr std::array<std::string_view, 4> pii_action_names{"block", "redact", "warn", "log"};
constexpr std::array<std::string_view, 2> pii_direction_names{"input", "output"};
constexpr std::array<std::string_view, 3> call_status_names{"ok", "error", "timeout"};
constexpr std::array<std::string_view, signal_kind_count> signal_kind_names{
    "cost",         "latency_profile", "latency_anomaly", "anomaly",          "drift",
    "policy_block", "pii_detection",   "call_outcome",    "quality_feedback", "structured_event"};

}  // namespace

std::string_view to_string(severity x) {
  return name_of(severity_names, x);
}
std::string_view to_string(latency_anomaly_type x) {
  return name_of(latency_anomaly_type_names, x);
}
std::string_view to_string(anomaly_type x) {
  return name_of(anomaly_type_names, x);
}
std::string_view to_string(drift_type x) {
  return name_of(drift_type_names, x);
}
std::string_view to_string(policy_reason x) {
  return name_of(policy_reason_names, x);
}
std::string_view to_string(policy_action x) {
  return name_of(policy_action_names, x);
}
std::string_view to_string(pii_action x) {
  return name_of(pii_action_names, x);
}
std::string_view to_string(pii_direction x) {
  return name_of(pii_direction_names, x);
}
std::string_view to_string(call_status x) {
  return name_of(call_status_names, x);
}
std::string_view to_string(signal_kind x) {
  return name_of(signal_kind_names, x);
}

std::optional<severity> parse_severity(std::string_view s) {
  if (s == "info") return severity::low;
  if (s == "warning") return severity::medium;
  if (s == "error") return severity::high;
  return parse_name<severity>(severity_names, s);
}
std::optional<latency_anomaly_type> parse_latency_anomaly_type(std::string_view s) {
  return parse_name<latency_anomaly_type>(latency_anomaly_type_names, s);
}
std::optional<anomaly_type> parse_anomaly_type(std::string_view s) {
  return parse_name<anomaly_type>(anomaly_type_names, s);
}
std::optional<drift_type> parse_drift_type(std::string_view s) {
  return parse_name<drift_type>(drift_type_names, s);
}
std::optional<policy_reason> parse_policy_reason(std::string_view s) {
  return parse_name<policy_reason>(policy_reason_names, s);
}
std::optional<policy_action> parse_policy_action(std::string_view s) {
  return parse_name<policy_action>(policy_action_names, s);
}
std::optional<pii_action> parse_pii_action(std::string_view s) {
  return parse_name<pii_action>(pii_action_names, s);
}
std::optional<pii_direction> parse_pii_direction(std::string_view s) {
  return parse_name<pii_direction>(pii_direction_names, s);
}
std::optional<call_status> parse_call_status(std::string_view s) {
  return parse_name<call_status>(call_status_names, s);
}
std::optional<signal_kind> parse_signal_kind(std::string_view s) {
  return parse_name<signal_kind>(signal_kind_names, s);
}

std::optional<double> within_bounds(std::optional<double> x, double max) {
  if (x && *x >= 0 && *x <= max) return x;  // false for NaN and infinities
  return std::nullopt;
}

typed_signal router_call_signal(const model_key& model, call_outcome call,
                                const model_price* list_price, time_ms at) {
  call.ttft_ms = within_bounds(call.ttft_ms, max_call_duration_ms);
  call.inter_token_ms = within_bounds(call.inter_token_ms, max_call_duration_ms);
  call.output_tokens_per_s = within_bounds(call.output_tokens_per_s, max_output_tokens_per_s);
  if (call.status == call_status::ok)
    call.cost_usd = call.billed_usd ? *call.billed_usd
                    : list_price    ? list_price->cost_usd(call.input_tokens, call.output_tokens)
                                    : 0.0;
  return typed_signal{"", at, model, std::move(call)};
}

policy_effect model_policy_effect(const policy_block& b) {
  if (b.reason != policy_reason::unauthorized_model && b.reason != policy_reason::geo_restriction)
    return policy_effect::none;
  return b.action == policy_action::block ? policy_effect::block : policy_effect::allow;
}

bool drifts_quality(drift_type t) {
  return t == drift_type::quality_drift || t == drift_type::concept_drift ||
         t == drift_type::behavior_drift;
}

bool is_urgent(const typed_signal& s) {
  if (auto* a = std::get_if<anomaly_event>(&s.body))
    return !a->active || a->level == severity::critical ||
           a->type == anomaly_type::availability_issue;
  if (auto* a = std::get_if<latency_anomaly>(&s.body)) return a->level == severity::critical;
  if (auto* p = std::get_if<policy_block>(&s.body)) return p->action == policy_action::block;
  if (auto* d = std::get_if<drift_signal>(&s.body)) return drifts_quality(d->type);
  return false;
}

std::string describe(const typed_signal& s) {
  std::string out{to_string(s.kind())};
  if (!s.id.empty()) out.append(" ").append(s.id);
  std::visit(
      [&out](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, anomaly_event>) {
          out.append(" ").append(to_string(b.type)).append("/").append(to_string(b.level));
          if (!b.active) out.append(" resolved");
        } else if constexpr (std::is_same_v<T, latency_anomaly>) {
          out.append(" ").append(to_string(b.type)).append("/").append(to_string(b.level));
        } else if constexpr (std::is_same_v<T, drift_signal>) {
          char buf[48];
          std::snprintf(buf, sizeof buf, " magnitude %.2f", b.magnitude);
          out.append(" ").append(to_string(b.type)).append(buf);
        } else if constexpr (std::is_same_v<T, policy_block>) {
          out.append(" ").append(to_string(b.reason)).append("/").append(to_string(b.action));
          if (!b.route.empty()) out.append(" route ").append(b.route);
        } else if constexpr (std::is_same_v<T, call_outcome>) {
          out.append(" ").append(to_string(b.status));
        }
      },
      s.body);
  if (!s.model.empty()) out.append(" on ").append(s.model);
  return out;
}

}  // namespace llmopt
