#include "decision/model_stats.hpp"

#include <algorithm>

namespace llmopt {

const policy_hold* model_view::block_for(const std::string& route) const {
  auto it = blocked_routes.find(route);
  if (it == blocked_routes.end()) it = blocked_routes.find("");
  return it == blocked_routes.end() ? nullptr : &it->second;
}

model_stats::model_stats(model_key model, const aggregator_options& options, double quality_prior)
    : options_(options),
      quality_prior_(quality_posterior::from_prior(quality_prior, options.quality_prior_strength)),
      latency_(options.window_ms, options.window_max_samples),
      outcomes_(options.window_ms, options.window_max_samples),
      cost_(options.window_ms, options.window_max_samples),
      input_tokens_(options.window_ms, options.window_max_samples),
      output_tokens_(options.window_ms, options.window_max_samples) {
  base_.model = std::move(model);
  base_.quality = quality_prior_;
}

void model_stats::add_outcome(time_ms now, const call_outcome& c) {
  outcomes_.add(now, c.status == call_status::ok ? 0.0 : 1.0);
  if (c.latency_ms > 0) latency_.add(now, c.latency_ms);
  if (c.status == call_status::ok && c.cost_usd)
    add_cost(now, *c.cost_usd, c.input_tokens, c.output_tokens);
}

void model_stats::add_cost(time_ms now, double cost_usd, long long input_tokens,
                           long long output_tokens) {
  cost_.add(now, cost_usd);
  input_tokens_.add(now, static_cast<double>(input_tokens));
  output_tokens_.add(now, static_cast<double>(output_tokens));
  base_.total_cost_usd += cost_usd;
}

void model_stats::raise(std::vector<active_flag>& flags, active_flag flag) {
  auto same = [&](const active_flag& f) { return f.id == flag.id; };
  flags.erase(std::remove_if(flags.begin(), flags.end(), same), flags.end());
  flags.push_back(std::move(flag));
}

void model_stats::apply(const typed_signal& s, time_ms now) {
  ++base_.signals;
  const std::string what = describe(s);
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, call_outcome>) {
          add_outcome(now, b);
        } else if constexpr (std::is_same_v<T, cost_sample>) {
          add_cost(now, b.cost_usd, b.input_tokens, b.output_tokens);
          if (b.latency_ms) latency_.add(now, *b.latency_ms);
        } else if constexpr (std::is_same_v<T, latency_profile>) {
          base_.profile = b;
          base_.profile_at = now;
        } else if constexpr (std::is_same_v<T, quality_feedback>) {
          base_.quality.observe(b.quality);
          if (!b.route.empty()) {
            // A route's posterior starts from the model's prior, not from
            // feedback given on other routes.
            auto it = base_.route_quality.try_emplace(b.route, quality_prior_).first;
            it->second.observe(b.quality);
          }
        } else if constexpr (std::is_same_v<T, anomaly_event>) {
          const std::string id = b.anomaly_id.empty() ? s.id : b.anomaly_id;
          if (!b.active) {
            auto& a = base_.anomalies;
            a.erase(std::remove_if(a.begin(), a.end(), [&](const auto& f) { return f.id == id; }),
                    a.end());
          } else {
            raise(base_.anomalies, {id, std::string{to_string(b.type)}, b.level, 0, now,
                                    now + options_.anomaly_ttl_ms, what});
          }
        } else if constexpr (std::is_same_v<T, latency_anomaly>) {
          raise(base_.anomalies, {s.id, std::string{to_string(b.type)}, b.level, 0, now,
                                  now + options_.anomaly_ttl_ms, what});
        } else if constexpr (std::is_same_v<T, drift_signal>) {
          raise(base_.drifts,
                {s.id, std::string{to_string(b.type)}, severity::medium, b.magnitude * b.confidence,
                 now, now + options_.anomaly_ttl_ms, what});
        } else if constexpr (std::is_same_v<T, policy_block>) {
          const bool model_policy = b.reason == policy_reason::unauthorized_model ||
                                    b.reason == policy_reason::geo_restriction;
          if (!model_policy) return;
          if (b.action == policy_action::block) {
            base_.blocked_routes[b.route] = policy_hold{b.policy_id, what};
          } else {
            // A later event of the same policy that does not block allows the
            // model again on that route.
            auto it = base_.blocked_routes.find(b.route);
            if (it != base_.blocked_routes.end() && it->second.policy_id == b.policy_id)
              base_.blocked_routes.erase(it);
          }
        }
      },
      s.body);
}

void model_stats::expire(time_ms now) {
  for (auto* w : {&latency_, &outcomes_, &cost_, &input_tokens_, &output_tokens_})
    w->expire(now);
  auto expired = [now](const active_flag& f) { return f.until <= now; };
  auto& a = base_.anomalies;
  a.erase(std::remove_if(a.begin(), a.end(), expired), a.end());
  auto& d = base_.drifts;
  d.erase(std::remove_if(d.begin(), d.end(), expired), d.end());
}

model_view model_stats::view(time_ms now) {
  expire(now);
  model_view v = base_;
  v.latency_samples = latency_.size();
  v.p50_ms = latency_.quantile(0.50);
  v.p95_ms = latency_.quantile(0.95);
  v.mean_latency_ms = latency_.mean();
  v.calls = static_cast<long long>(outcomes_.size());
  v.errors = static_cast<long long>(outcomes_.sum() + 0.5);
  v.cost_samples = cost_.size();
  v.cost_per_request = cost_.mean();
  v.mean_input_tokens = input_tokens_.mean();
  v.mean_output_tokens = output_tokens_.mean();
  return v;
}

}  // namespace llmopt
