#include "decision/scoring.hpp"

#include <algorithm>
#include <cmath>

#include "decision/printf_string.hpp"
#include "decision/world_model.hpp"

namespace llmopt {
namespace {

bool anomaly_takes_model_down(const active_flag& f) {
  return f.level == severity::critical ||
         (f.type == "availability_issue" && f.level >= severity::high);
}

double drift_penalty(const model_view& v) {
  // A quality, concept or behaviour drift discounts the quality estimate by
  // half its magnitude x confidence until fresh feedback outweighs it.
  double penalty = 0;
  for (const auto& d : v.drifts)
    if (d.type == "quality_drift" || d.type == "concept_drift" || d.type == "behavior_drift")
      penalty = std::max(penalty, 0.5 * d.magnitude);
  return penalty;
}

constexpr long long tail_min_samples = 20;
// A change of latency is told only with at least this many calls in the
// newest part of the window and before it: one slow call moves a small mean.
constexpr double change_min_latency_samples = 20;
// An upstream profile counts as at most this many calls: it summarizes the
// provider's traffic, not the route's, so the model's own calls keep a say
// however many calls the profile saw.
constexpr double profile_max_samples = 1000;

// Whether the newest calls and the ones before them, whose means are
// `difference` apart, differ by 4 standard deviations of the difference,
// one call's standard deviation being `sd`: then the newest calls alone
// tell what a model does now.
bool newest_calls_differ(double difference, double sd, double newest, double before) {
  return std::abs(difference) >= 4 * sd * std::sqrt(1 / newest + 1 / before);
}

}  // namespace

std::optional<double> tail_latency_ms(const model_view& v) {
  if (v.p95_ms && v.latency_samples >= tail_min_samples) return v.p95_ms;
  if (v.profile && v.profile->p95_ms > 0 && v.profile->sample_count >= tail_min_samples)
    return v.profile->p95_ms;
  return std::nullopt;
}

call_evidence error_evidence(const model_view& v) {
  const call_evidence window{v.calls, v.errors};
  const call_evidence recent{v.recent_calls, v.recent_errors};
  const call_evidence before{v.calls - v.recent_calls, v.errors - v.recent_errors};
  if (recent.calls == 0 || before.calls == 0) return window;
  // A change shows first in the newest calls (a rise needs at least 3
  // errors).
  const double p = window.error_probability();
  const double change = recent.rate() - before.rate();
  const bool changed =
      newest_calls_differ(change, std::sqrt(p * (1 - p)), static_cast<double>(recent.calls),
                          static_cast<double>(before.calls));
  return changed && (change < 0 || recent.errors >= 3) ? recent : window;
}

latency_evidence latency_of(const model_view& v, const engine_options& options, time_ms now) {
  const latency_evidence own{v.mean_latency_ms.value_or(0), static_cast<double>(v.latency_samples)};
  // When the newest calls show a change, they alone tell: an upstream
  // profile summarizes a past period, most of which may predate it.
  const double recent_n = static_cast<double>(v.recent_latency_samples);
  const double before_n = own.samples - recent_n;
  if (v.recent_mean_latency_ms && recent_n >= change_min_latency_samples &&
      before_n >= change_min_latency_samples) {
    const double recent_mean = *v.recent_mean_latency_ms;
    const double before_mean = (own.mean_ms * own.samples - recent_mean * recent_n) / before_n;
    if (newest_calls_differ(recent_mean - before_mean, v.latency_sd_ms, recent_n, before_n))
      return {recent_mean, recent_n};
  }
  const double profile_mean =
      v.profile ? (v.profile->mean_ms > 0 ? v.profile->mean_ms : v.profile->p50_ms) : 0;
  const time_ms profile_age = now - v.profile_at;
  const bool profile_counts = profile_mean > 0 && v.profile->sample_count > 0 && profile_age >= 0 &&
                              profile_age <= options.profile_fresh_ms;
  if (!profile_counts) {
    if (own.samples > 0) return own;
    return {profile_mean > 0 ? profile_mean : options.default_latency_ms, 0};
  }
  const double profiled =
      std::min(static_cast<double>(v.profile->sample_count), profile_max_samples);
  const double samples = own.samples + profiled;
  return {own.mean_ms + (profile_mean - own.mean_ms) * (profiled / samples), samples};
}

quality_posterior quality_of(const model_view& v, const std::string& route) {
  auto rq = v.route_quality.find(route);
  return rq != v.route_quality.end() ? rq->second : v.quality;
}

token_expectation expected_tokens(const std::vector<const model_view*>& candidates,
                                  const engine_options& options) {
  double input = 0, output = 0, weight = 0;
  for (const auto* v : candidates) {
    if (!v || !v->mean_input_tokens || !v->mean_output_tokens) continue;
    const double n = static_cast<double>(v->cost_samples);
    input += n * *v->mean_input_tokens;
    output += n * *v->mean_output_tokens;
    weight += n;
  }
  if (weight == 0) return {options.default_input_tokens, options.default_output_tokens};
  return {input / weight, output / weight};
}

double expected_cost(const model_spec* spec, const model_view& view, token_expectation tokens) {
  const model_price price = spec ? spec->price : model_price{};
  const double list = (tokens.input * price.in_per_mtok + tokens.output * price.out_per_mtok) / 1e6;
  // Cost telemetry says what the provider bills now: scale the list price
  // by the newest bill over the list cost of the same tokens.
  if (const auto& bill = view.last_billed) {
    const double listed = price.cost_usd(bill->input_tokens, bill->output_tokens);
    if (listed > 0) return list * (bill->cost_usd / listed);
  }
  if (!view.cost_per_request || !view.mean_input_tokens || !view.mean_output_tokens) return list;
  const double observed_list = (*view.mean_input_tokens * price.in_per_mtok +
                                *view.mean_output_tokens * price.out_per_mtok) /
                               1e6;
  if (observed_list > 0) return list * (*view.cost_per_request / observed_list);
  // No list price: the observed cost per token.
  const double observed_tokens = *view.mean_input_tokens + *view.mean_output_tokens;
  return observed_tokens > 0
             ? *view.cost_per_request / observed_tokens * (tokens.input + tokens.output)
             : *view.cost_per_request;
}

candidate_assessment assess(const route_spec& route, const model_spec* spec, const model_view* view,
                            token_expectation tokens, const engine_options& options, time_ms now,
                            const quality_posterior& pool) {
  candidate_assessment a;
  a.model = spec ? spec->id : (view ? view->model : model_key{});
  model_view empty;
  const model_view& v = view ? *view : empty;

  // Inputs.
  quality_posterior q = quality_of(v, route.name);
  a.quality_samples = q.samples;
  q.alpha += pool.alpha;
  q.beta += pool.beta;
  const double kept = 1 - drift_penalty(v);
  a.quality = q.mean() * kept;
  a.quality_sd = std::sqrt(q.variance()) * kept;
  const call_evidence errors = error_evidence(v);
  a.calls = errors.calls;
  a.error_rate = errors.rate();
  a.p50_ms = v.p50_ms;
  a.p95_ms = v.p95_ms;
  const latency_evidence latency = latency_of(v, options, now);
  a.expected_latency_ms = latency.mean_ms;
  a.latency_samples = latency.samples;
  a.expected_cost_usd = expected_cost(spec, v, tokens);

  // Constraints.
  if (const policy_hold* hold = v.block_for(route.name)) {
    a.excluded = "blocked by policy: " + hold->description;
    return a;
  }
  for (const auto& f : v.anomalies) {
    if (anomaly_takes_model_down(f)) {
      a.excluded = "down: " + f.description;
      return a;
    }
  }
  if (v.failure_streak >= options.down_min_calls &&
      now - v.last_failure_at < options.down_retry_ms) {
    a.excluded = "down: the last " + std::to_string(v.failure_streak) + " calls failed";
    return a;
  }
  if (a.calls >= options.down_min_calls && a.error_rate >= options.down_error_rate) {
    a.excluded = printf_string("down: error rate %.2f over %lld calls", a.error_rate, a.calls);
    return a;
  }
  if (v.failure_streak >= options.down_min_calls)
    a.held_back = "retrying: the last " + std::to_string(v.failure_streak) + " calls failed";

  // Expected utility of one request (spec/scenario.md, "Utility").
  const double p_error = errors.error_probability();
  const double success_utility =
      request_utility(route, false, true, a.expected_cost_usd, a.expected_latency_ms) -
      route.weights.quality * (1 - a.quality);
  a.score = (1 - p_error) * success_utility - p_error;
  a.score_sd = (1 - p_error) * route.weights.quality * a.quality_sd;
  return a;
}

std::vector<double> probability_best(const std::vector<double>& means,
                                     const std::vector<double>& sds, std::uint64_t seed,
                                     int samples) {
  LLMOPT_ASSERT(!means.empty() && means.size() == sds.size());
  std::vector<double> wins(means.size(), 0);
  for (int k = 0; k < samples; ++k) {
    std::size_t best = 0;
    double best_value = 0;
    for (std::size_t i = 0; i < means.size(); ++i) {
      const double z = normal_draw(seed, static_cast<std::uint64_t>(k), 2 * i);
      const double value = means[i] + sds[i] * z;
      if (i == 0 || value > best_value) {
        best = i;
        best_value = value;
      }
    }
    wins[best] += 1;
  }
  for (double& w : wins)
    w /= samples;
  return wins;
}

}  // namespace llmopt
