#include "actors/decision_options.hpp"

namespace llmopt {

intake_options intake_options_of(const settings& s) {
  intake_options o;
  o.aggregates.window_ms = s.aggregator.window_s * 1000LL;
  o.aggregates.window_buckets = s.aggregator.window_buckets;
  o.aggregates.anomaly_ttl_ms = s.decision.anomaly_ttl_s * 1000LL;
  o.aggregates.quality_prior_strength = s.decision.quality_prior_strength;
  o.aggregates.quality_half_life_ms = s.decision.quality_half_life_s * 1000LL;
  o.aggregates.quality_change.min_change = s.decision.quality_change_min;
  o.aggregates.quality_change.threshold = s.decision.quality_change_threshold;
  o.aggregates.quality_kept_on_drift = s.decision.quality_kept_on_drift;
  o.dedup_window_ms = s.collector.dedup_window_s * 1000LL;
  o.dedup_max_ids = static_cast<std::size_t>(s.collector.dedup_max_ids);
  return o;
}

engine_options engine_options_of(const settings& s) {
  engine_options o;
  o.exploration_floor = s.decision.exploration_floor;
  o.posterior_scale = s.decision.posterior_scale;
  o.min_weight_change = s.decision.min_weight_change;
  o.min_gain = s.decision.min_gain;
  o.down_error_rate = s.decision.down_error_rate;
  o.down_min_calls = s.decision.down_min_calls;
  o.down_retry_ms = s.decision.down_retry_s * 1000LL;
  o.default_input_tokens = s.decision.default_input_tokens;
  o.default_output_tokens = s.decision.default_output_tokens;
  return o;
}

std::vector<model_spec> catalog_of(const settings& s) {
  std::vector<model_spec> out;
  for (const auto& m : s.models)
    out.push_back(m.spec);
  return out;
}

parse_limits parse_limits_of(const settings& s) {
  parse_limits l;
  l.max_message_bytes = static_cast<std::size_t>(s.collector.max_message_bytes);
  return l;
}

signal_topic_map signal_topics_of(const settings& s) {
  const auto& k = s.kafka;
  return {{k.topic_cost, topic_kind::cost},
          {k.topic_latency, topic_kind::latency},
          {k.topic_sentinel, topic_kind::sentinel},
          {k.topic_shield, topic_kind::shield},
          {k.topic_observatory, topic_kind::observatory},
          {k.topic_calls, topic_kind::calls}};
}

std::vector<std::string> kafka_topics_of(const settings& s) {
  std::vector<std::string> out;
  for (const auto& [topic, kind] : signal_topics_of(s))
    out.push_back(topic);
  for (const auto* topic : {&s.kafka.topic_dlq, &s.kafka.topic_decisions, &s.kafka.topic_cluster,
                            &s.kafka.topic_checkpoints})
    out.push_back(*topic);
  return out;
}

}  // namespace llmopt
