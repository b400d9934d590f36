#include "decision/scoring.hpp"

#include <algorithm>
#include <cmath>

#include "decision/printf_string.hpp"
#include "decision/world_model.hpp"

namespace llmopt {
namespace {

bool anomaly_takes_model_down(const active_flag& f) {
  return f.level == severity::critical ||
         (f.type == flag_type{anomaly_type::availability_issue} && f.level >= severity::high);
}

double drift_penalty(const model_view& v) {
  // A quality, concept or behaviour drift discounts the quality estimate by
  // half its magnitude x confidence until fresh feedback outweighs it.
  double penalty = 0;
  for (const auto& d : v.drifts)
    if (const auto* type = std::get_if<drift_type>(&d.type); type && drifts_quality(*type))
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

// One measure of a model's latency (the whole answer's, or its first
// token's): its calls over the live window and the newest of them, and the
// upstream profile's figure for it.
struct latency_series {
  latency_evidence own;
  std::optional<double> recent_mean_ms;
  double recent_samples = 0;
  double sd_ms = 0;       // one call's spread about the mean
  double profile_ms = 0;  // 0: the profile has none, or there is none
};

latency_series total_latency_series(const model_view& v) {
  return {{v.mean_latency_ms.value_or(0), static_cast<double>(v.latency_samples)},
          v.recent_mean_latency_ms,
          static_cast<double>(v.recent_latency_samples),
          v.latency_sd_ms,
          v.profile ? (v.profile->mean_ms > 0 ? v.profile->mean_ms : v.profile->p50_ms) : 0};
}

latency_series ttft_series(const model_view& v) {
  return {{v.mean_ttft_ms.value_or(0), static_cast<double>(v.ttft_samples)},
          v.recent_mean_ttft_ms,
          static_cast<double>(v.recent_ttft_samples),
          v.ttft_sd_ms,
          v.profile && v.profile->ttft_ms ? *v.profile->ttft_ms : 0};
}

// latency_of's rules for any latency series; none where latency_of would
// fall back to its default.
std::optional<latency_evidence> evidence_of(const latency_series& s, const model_view& v,
                                            const engine_options& options, time_ms now) {
  // When the newest calls show a change, they alone tell: an upstream
  // profile summarizes a past period, most of which may predate it.
  const double recent_n = s.recent_samples;
  const double before_n = s.own.samples - recent_n;
  if (s.recent_mean_ms && recent_n >= change_min_latency_samples &&
      before_n >= change_min_latency_samples) {
    const double recent_mean = *s.recent_mean_ms;
    const double before_mean = (s.own.mean_ms * s.own.samples - recent_mean * recent_n) / before_n;
    if (newest_calls_differ(recent_mean - before_mean, s.sd_ms, recent_n, before_n))
      return latency_evidence{recent_mean, recent_n};
  }
  const time_ms profile_age = now - v.profile_at;
  const bool profile_counts = s.profile_ms > 0 && v.profile->sample_count > 0 && profile_age >= 0 &&
                              profile_age <= options.profile_fresh_ms;
  if (!profile_counts) {
    if (s.own.samples > 0) return s.own;
    if (s.profile_ms > 0) return latency_evidence{s.profile_ms, 0};
    return std::nullopt;
  }
  const double profiled =
      std::min(static_cast<double>(v.profile->sample_count), profile_max_samples);
  const double samples = s.own.samples + profiled;
  return latency_evidence{s.own.mean_ms + (s.profile_ms - s.own.mean_ms) * (profiled / samples),
                          samples};
}

}  // namespace

std::optional<double> tail_latency_ms(const model_view& v) {
  if (v.p95_ms && v.latency_samples >= tail_min_samples) return v.p95_ms;
  if (v.profile && v.profile->p95_ms > 0 && v.profile->sample_count >= tail_min_samples)
    return v.profile->p95_ms;
  return std::nullopt;
}

std::optional<double> tail_ttft_ms(const model_view& v) {
  if (v.p95_ttft_ms && v.ttft_samples >= tail_min_samples) return v.p95_ttft_ms;
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
  return evidence_of(total_latency_series(v), v, options, now)
      .value_or(latency_evidence{options.default_latency_ms, 0});
}

std::optional<latency_evidence> ttft_of(const model_view& v, const engine_options& options,
                                        time_ms now) {
  return evidence_of(ttft_series(v), v, options, now);
}

std::optional<double> first_token_share(const std::vector<const model_view*>& candidates,
                                        const engine_options& options, time_ms now) {
  double first = 0, whole = 0;
  for (const auto* v : candidates) {
    if (!v) continue;
    const auto ttft = ttft_of(*v, options, now);
    if (!ttft) continue;
    first += ttft->mean_ms;
    whole += latency_of(*v, options, now).mean_ms;
  }
  if (!(whole > 0)) return std::nullopt;
  return std::min(1.0, first / whole);
}

weighed_latency latency_weighed(const route_spec& route, const model_view& v,
                                std::optional<double> share, const engine_options& options,
                                time_ms now) {
  const latency_evidence total = latency_of(v, options, now);
  if (!route.weighs_ttft()) return {total, latency_basis::total};
  if (auto ttft = ttft_of(v, options, now)) return {*ttft, latency_basis::ttft};
  if (share) return {{total.mean_ms * *share, total.samples}, latency_basis::ttft_from_total};
  return {total, latency_basis::total_for_ttft};
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
                            const route_context& context, const engine_options& options,
                            time_ms now) {
  candidate_assessment a;
  a.model = spec ? spec->id : (view ? view->model : model_key{});
  model_view empty;
  const model_view& v = view ? *view : empty;

  // Inputs.
  quality_posterior q = quality_of(v, route.name);
  a.quality_samples = q.samples;
  a.quality_changed = q.change;
  q.alpha += context.quality_pool.alpha;
  q.beta += context.quality_pool.beta;
  const double kept = 1 - drift_penalty(v);
  a.quality = q.mean() * kept;
  a.quality_sd = std::sqrt(q.variance()) * kept;
  const call_evidence errors = error_evidence(v);
  a.calls = errors.calls;
  a.error_rate = errors.rate();
  a.p50_ms = v.p50_ms;
  a.p95_ms = v.p95_ms;
  const weighed_latency latency =
      latency_weighed(route, v, context.first_token_share, options, now);
  a.expected_latency_ms = latency.evidence.mean_ms;
  a.latency_samples = latency.evidence.samples;
  a.latency_weighed = latency.basis;
  if (route.weighs_ttft()) {
    a.p50_ttft_ms = v.p50_ttft_ms;
    a.p95_ttft_ms = v.p95_ttft_ms;
  }
  a.expected_cost_usd = expected_cost(spec, v, context.tokens);

  // Constraints.
  if (const policy_hold* hold = v.block_for(route.name)) {
    a.excluded = {constraint_code::policy_block, {}, hold->description};
    return a;
  }
  for (const auto& f : v.anomalies) {
    if (anomaly_takes_model_down(f)) {
      a.excluded = {constraint_code::anomaly, {}, f.description};
      return a;
    }
  }
  if (v.failure_streak >= options.down_min_calls &&
      now - v.last_failure_at < options.down_retry_ms) {
    a.excluded = {constraint_code::failure_streak,
                  {{"calls", static_cast<double>(v.failure_streak)}}};
    return a;
  }
  if (a.calls >= options.down_min_calls && a.error_rate >= options.down_error_rate) {
    a.excluded = {constraint_code::error_rate,
                  {{"error_rate", a.error_rate}, {"calls", static_cast<double>(a.calls)}}};
    return a;
  }
  if (v.failure_streak >= options.down_min_calls)
    a.held_back = {constraint_code::retrying, {{"calls", static_cast<double>(v.failure_streak)}}};

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
