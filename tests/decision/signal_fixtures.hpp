#pragma once

#include <string>

#include "decision/signal.hpp"

// Small builders of typed signals for decision tests.
namespace llmopt::test {

// Models the decision tests route between.
inline const model_key mini = "openai:gpt-4o-mini";
inline const model_key gpt = "openai:gpt-4o";
inline const model_key sonnet = "anthropic:claude-3-5-sonnet";

inline typed_signal outcome(const model_key& m, bool ok, double latency_ms, double cost_usd = 0.001,
                            const std::string& route = "chat") {
  call_outcome c;
  c.route = route;
  c.status = ok ? call_status::ok : call_status::error;
  c.latency_ms = latency_ms;
  c.input_tokens = 800;
  c.output_tokens = 300;
  if (ok) c.cost_usd = cost_usd;
  return typed_signal{"", 0, m, c};
}

// A successful streamed call: `outcome` with its first token after
// `ttft_ms`, token chunks `inter_token_ms` apart, at `tokens_per_s`.
inline typed_signal streamed(const model_key& m, double latency_ms, double ttft_ms,
                             double inter_token_ms = 20, double tokens_per_s = 50) {
  typed_signal s = outcome(m, true, latency_ms);
  auto& c = std::get<call_outcome>(s.body);
  c.ttft_ms = ttft_ms;
  c.inter_token_ms = inter_token_ms;
  c.output_tokens_per_s = tokens_per_s;
  return s;
}

// A LatencyLens profile of `samples` calls with mean `mean_ms`.
inline typed_signal profile(const model_key& m, double mean_ms, long long samples) {
  latency_profile p;
  p.p50_ms = mean_ms;
  p.mean_ms = mean_ms;
  p.sample_count = samples;
  return typed_signal{"lp", 0, m, p};
}

inline typed_signal anomaly(const model_key& m, const std::string& id, anomaly_type type,
                            severity level, bool active = true) {
  anomaly_event a;
  a.anomaly_id = id;
  a.type = type;
  a.level = level;
  a.active = active;
  return typed_signal{id, 0, m, a};
}

inline typed_signal block(const model_key& m, const std::string& policy, const std::string& route,
                          policy_action action = policy_action::block,
                          policy_reason reason = policy_reason::unauthorized_model) {
  policy_block p;
  p.policy_id = policy;
  p.reason = reason;
  p.action = action;
  p.level = severity::high;
  p.route = route;
  return typed_signal{"pb-" + policy, 0, m, p};
}

inline typed_signal drift(const model_key& m, const std::string& id, double magnitude,
                          double confidence) {
  drift_signal d;
  d.type = drift_type::quality_drift;
  d.magnitude = magnitude;
  d.confidence = confidence;
  return typed_signal{id, 0, m, d};
}

inline typed_signal feedback(const model_key& m, double quality, const std::string& route = "") {
  return typed_signal{"", 0, m, quality_feedback{route, quality}};
}

}  // namespace llmopt::test
