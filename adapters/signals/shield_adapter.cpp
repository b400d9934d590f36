// shield — topic llm.signals.shield.
//
// PolicyBlockEvent → policy_block. Kind: policyId.
//   Required: eventId (or envelope id), timestamp (or envelope time),
//   policyId, reason, severity, action, modelId, provider (unless modelId is
//   "provider:model").
//   Optional: requestId, policyName, clientId, metadata {route}.
//
// PIIDetectionSignal → pii_detection. Kind: signalId or detections.
//   Required: signalId (or envelope id), timestamp (or envelope time),
//   direction, action, modelId, provider (as above), riskScore ([0, 1]).
//   Optional: requestId, contentModified (default false), piiTypes
//   (strings; when absent, the distinct detections[].type), detections
//   [{type, confidence ([0, 1]), offsetStart, offsetEnd (counts),
//   redactedValue, method}] (checked, not kept).

#include <algorithm>

#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

typed_signal read_policy_block(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "eventId", env);
  s.at = read_signal_time(r, "timestamp", env);
  r.optional_text("requestId");
  policy_block p;
  p.policy_id = r.text("policyId");
  p.policy_name = r.optional_text("policyName");
  p.reason = r.enumeration("reason", parse_policy_reason);
  p.level = r.enumeration("severity", parse_severity);
  p.action = r.enumeration("action", parse_policy_action);
  s.model = read_model_key(r, model_presence::required);
  r.optional_text("clientId");
  if (auto metadata = r.object("metadata")) p.route = metadata->optional_text("route");
  s.body = std::move(p);
  return s;
}

// Checks one detections[] entry; adds its type to `types` when collecting.
void read_detection(field_reader& d, std::vector<std::string>* types) {
  std::string_view type = d.optional_text("type");
  d.optional_number("confidence", number_domain::unit_interval);
  d.optional_count("offsetStart");
  d.optional_count("offsetEnd");
  d.optional_text("redactedValue");
  d.optional_text("method");
  if (types && !type.empty() && std::find(types->begin(), types->end(), type) == types->end())
    types->emplace_back(type);
}

typed_signal read_pii_detection(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "signalId", env);
  s.at = read_signal_time(r, "timestamp", env);
  r.optional_text("requestId");
  pii_detection p;
  p.direction = r.enumeration("direction", parse_pii_direction);
  p.pii_types = r.strings("piiTypes");
  bool collect_types = !r.has("piiTypes");
  r.for_each_object("detections", [&](field_reader& d) {
    read_detection(d, collect_types ? &p.pii_types : nullptr);
  });
  p.action = r.enumeration("action", parse_pii_action);
  p.content_modified = r.optional_flag("contentModified").value_or(false);
  s.model = read_model_key(r, model_presence::required);
  p.risk_score = r.number("riskScore", number_domain::unit_interval);
  s.body = std::move(p);
  return s;
}

}  // namespace

typed_signal read_shield_signal(field_reader& r, const envelope_defaults& env) {
  if (r.has("policyId")) return read_policy_block(r, env);
  if (r.has("signalId") || r.has("detections")) return read_pii_detection(r, env);
  fail_unknown_kind(r, "shield", "policyId, signalId or detections");
  return {};
}

}  // namespace llmopt
