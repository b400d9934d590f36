#include "decision/model_stats.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace llmopt {

namespace {

// One call's spread about `mean_ms`: from the histogram's bins, and no less
// than 5% of the mean (bins are 10% wide).
double spread_ms(const latency_histogram& h, double mean_ms) {
  return std::max(h.standard_deviation(), 0.05 * mean_ms);
}

}  // namespace

std::string_view to_string(const flag_type& t) {
  return std::visit([](auto x) { return to_string(x); }, t);
}

std::optional<flag_type> parse_flag_type(std::string_view s) {
  if (auto a = parse_anomaly_type(s)) return flag_type{*a};
  if (auto l = parse_latency_anomaly_type(s)) return flag_type{*l};
  if (auto d = parse_drift_type(s)) return flag_type{*d};
  return std::nullopt;
}

const policy_hold* model_view::block_for(const std::string& route) const {
  auto it = blocked_routes.find(route);
  if (it == blocked_routes.end()) it = blocked_routes.find("");
  return it == blocked_routes.end() ? nullptr : &it->second;
}

model_stats::model_stats(model_key model, const aggregator_options& options, double quality_prior)
    : options_(options),
      quality_prior_(quality_posterior::from_prior(quality_prior, options.quality_prior_strength)),
      window_(options.window_ms, options.window_buckets) {
  base_.model = std::move(model);
  base_.quality = quality_prior_;
}

void model_stats::add_latency(time_ms now, double latency_ms) {
  auto& b = window_.at(now);
  ++b.latency_count;
  b.latency_sum += latency_ms;
  b.latency.add(latency_ms);
}

// Every stream timing a call reports counts, whatever its status: a stream
// cut after its first token still timed that token. Values out of
// call_outcome's bounds are skipped, whoever built the outcome.
void model_stats::add_stream_timing(time_ms now, const call_outcome& c) {
  const auto ttft = within_bounds(c.ttft_ms, max_call_duration_ms);
  const auto gap = within_bounds(c.inter_token_ms, max_call_duration_ms);
  const auto speed = within_bounds(c.output_tokens_per_s, max_output_tokens_per_s);
  if (!ttft && !gap && !speed) return;
  auto& b = window_.at(now);
  if (ttft) {
    ++b.ttft_count;
    b.ttft_sum += *ttft;
    b.ttft.add(*ttft);
  }
  if (gap) {
    ++b.inter_token_count;
    b.inter_token_sum += *gap;
  }
  if (speed) {
    ++b.tokens_per_s_count;
    b.tokens_per_s_sum += *speed;
  }
}

void model_stats::add_outcome(time_ms now, const call_outcome& c) {
  auto& b = window_.at(now);
  const bool failed = c.status != call_status::ok;
  ++b.calls;
  b.errors += failed;
  ++base_.lifetime.calls;
  base_.lifetime.errors += failed;
  if (failed) {
    ++base_.failure_streak;
    base_.last_failure_at = now;
  } else {
    base_.failure_streak = 0;
  }
  if (c.latency_ms > 0) add_latency(now, c.latency_ms);
  add_stream_timing(now, c);
  if (!failed && c.cost_usd) add_cost(now, *c.cost_usd, c.input_tokens, c.output_tokens);
  if (!failed && c.billed_usd)
    base_.last_billed =
        model_view::billed_request{*c.billed_usd, c.input_tokens, c.output_tokens, now};
}

void model_stats::add_cost(time_ms now, double cost_usd, long long input_tokens,
                           long long output_tokens) {
  auto& b = window_.at(now);
  ++b.cost_count;
  b.cost_sum += cost_usd;
  b.input_tokens += static_cast<double>(input_tokens);
  b.output_tokens += static_cast<double>(output_tokens);
  auto& life = base_.lifetime;
  ++life.priced;
  life.cost_usd += cost_usd;
  life.input_tokens += static_cast<double>(input_tokens);
  life.output_tokens += static_cast<double>(output_tokens);
}

bool model_stats::raise(std::vector<active_flag>& flags, active_flag flag) {
  auto same = [&](const active_flag& f) { return f.id == flag.id; };
  const auto kept = std::remove_if(flags.begin(), flags.end(), same);
  const bool raised = kept == flags.end();
  flags.erase(kept, flags.end());
  flags.push_back(std::move(flag));
  return raised;
}

void model_stats::apply(const typed_signal& s, time_ms now) {
  ++base_.lifetime.signals;
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, call_outcome>) {
          add_outcome(now, b);
        } else if constexpr (std::is_same_v<T, cost_sample>) {
          add_cost(now, b.cost_usd, b.input_tokens, b.output_tokens);
          base_.last_billed =
              model_view::billed_request{b.cost_usd, b.input_tokens, b.output_tokens, now};
          if (b.latency_ms && *b.latency_ms > 0) add_latency(now, *b.latency_ms);
        } else if constexpr (std::is_same_v<T, latency_profile>) {
          base_.profile = b;
          // When LatencyLens computed it (a backlog replayed after a
          // restart is not fresh), never later than now.
          base_.profile_at = s.at > 0 ? std::min(s.at, now) : now;
        } else if constexpr (std::is_same_v<T, quality_feedback>) {
          forget(now);
          const time_ms given = s.at > 0 ? std::min(s.at, now) : now;
          base_.quality.observe_watching(b.quality, given, now, quality_prior_,
                                         options_.quality_change);
          if (!b.route.empty()) {
            // A route's posterior starts from the model's prior, not from
            // feedback given on other routes.
            auto [it, added] = base_.route_quality.try_emplace(b.route, quality_prior_);
            if (added) it->second.at = now;
            it->second.observe_watching(b.quality, given, now, quality_prior_,
                                        options_.quality_change);
          }
        } else if constexpr (std::is_same_v<T, anomaly_event>) {
          const std::string id = b.anomaly_id.empty() ? s.id : b.anomaly_id;
          if (!b.active) {
            auto& a = base_.anomalies;
            a.erase(std::remove_if(a.begin(), a.end(), [&](const auto& f) { return f.id == id; }),
                    a.end());
          } else {
            raise(base_.anomalies,
                  {id, b.type, b.level, 0, now, now + options_.anomaly_ttl_ms, describe(s)});
          }
        } else if constexpr (std::is_same_v<T, latency_anomaly>) {
          raise(base_.anomalies,
                {s.id, b.type, b.level, 0, now, now + options_.anomaly_ttl_ms, describe(s)});
        } else if constexpr (std::is_same_v<T, drift_signal>) {
          const bool raised =
              raise(base_.drifts, {s.id, b.type, severity::medium, b.magnitude * b.confidence, now,
                                   now + options_.anomaly_ttl_ms, describe(s)});
          // Once per drift: a repeat of it says nothing new of the feedback.
          if (raised && drifts_quality(b.type)) {
            forget(now);
            const auto discount = [&](quality_posterior& q) {
              q.discount(now, b.observed_from, options_.quality_half_life_ms, quality_prior_,
                         options_.quality_kept_on_drift);
            };
            discount(base_.quality);
            for (auto& [route, q] : base_.route_quality)
              discount(q);
          }
        } else if constexpr (std::is_same_v<T, policy_block>) {
          const policy_effect effect = model_policy_effect(b);
          if (effect == policy_effect::none) return;
          if (effect == policy_effect::block) {
            base_.blocked_routes[b.route] = policy_hold{b.policy_id, describe(s)};
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
  auto expired = [now](const active_flag& f) { return f.until <= now; };
  auto& a = base_.anomalies;
  a.erase(std::remove_if(a.begin(), a.end(), expired), a.end());
  auto& d = base_.drifts;
  d.erase(std::remove_if(d.begin(), d.end(), expired), d.end());
}

void model_stats::forget(time_ms now) {
  const time_ms half_life = options_.quality_half_life_ms;
  base_.quality.forget(now, half_life, quality_prior_);
  for (auto& [route, q] : base_.route_quality)
    q.forget(now, half_life, quality_prior_);
}

model_view model_stats::view(time_ms now) {
  expire(now);
  forget(now);
  model_view v = base_;
  const window_bucket w = window_.total(now);
  v.latency_samples = w.latency_count;
  v.p50_ms = w.latency.quantile(0.50);
  v.p95_ms = w.latency.quantile(0.95);
  if (w.latency_count > 0) {
    const double mean = w.latency_sum / static_cast<double>(w.latency_count);
    v.mean_latency_ms = mean;
    v.latency_sd_ms = spread_ms(w.latency, mean);
  }
  v.calls = w.calls;
  v.errors = w.errors;
  const window_bucket recent = window_.total(now, options_.recent_ms);
  v.recent_calls = recent.calls;
  v.recent_errors = recent.errors;
  v.recent_latency_samples = recent.latency_count;
  if (recent.latency_count > 0)
    v.recent_mean_latency_ms = recent.latency_sum / static_cast<double>(recent.latency_count);
  v.ttft_samples = w.ttft_count;
  v.p50_ttft_ms = w.ttft.quantile(0.50);
  v.p95_ttft_ms = w.ttft.quantile(0.95);
  if (w.ttft_count > 0) {
    const double mean = w.ttft_sum / static_cast<double>(w.ttft_count);
    v.mean_ttft_ms = mean;
    v.ttft_sd_ms = spread_ms(w.ttft, mean);
  }
  v.recent_ttft_samples = recent.ttft_count;
  if (recent.ttft_count > 0)
    v.recent_mean_ttft_ms = recent.ttft_sum / static_cast<double>(recent.ttft_count);
  if (w.inter_token_count > 0)
    v.mean_inter_token_ms = w.inter_token_sum / static_cast<double>(w.inter_token_count);
  if (w.tokens_per_s_count > 0)
    v.mean_output_tokens_per_s = w.tokens_per_s_sum / static_cast<double>(w.tokens_per_s_count);
  v.cost_samples = w.cost_count;
  if (w.cost_count > 0) {
    const double n = static_cast<double>(w.cost_count);
    v.cost_per_request = w.cost_sum / n;
    v.mean_input_tokens = w.input_tokens / n;
    v.mean_output_tokens = w.output_tokens / n;
  }
  return v;
}

}  // namespace llmopt
