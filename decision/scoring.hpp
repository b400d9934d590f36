#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "decision/assert.hpp"
#include "decision/decision_record.hpp"
#include "decision/model_spec.hpp"
#include "decision/model_stats.hpp"
#include "decision/route.hpp"

namespace llmopt {

struct engine_options {
  double exploration_floor = 0.03;   // share of traffic spread over the plausible candidates
  double posterior_scale = 0.5;      // < 1 commits traffic sooner than Thompson sampling
  double judged_after_samples = 10;  // ... once a candidate has this much feedback
  double floor_scale = 2;            // plausible: could be best under a posterior this wide
  double pool_strength = 4;          // pseudo-observations of the route's pooled quality
  double min_weight_change = 0.02;   // smaller moves are not a new decision,
  double min_gain = 0.001;           // nor moves worth less per request, either way
  double down_error_rate = 0.5;      // a model at or above this error rate ...
  long long down_min_calls = 5;      // ... over at least this many calls is down;
                                     // so is a model whose last this many calls failed ...
  time_ms down_retry_ms = 10'000;    // ... until this long after its last failure
  double default_input_tokens = 800;
  double default_output_tokens = 300;
  double default_latency_ms = 1000;   // before any latency is known
  time_ms profile_fresh_ms = 60'000;  // an upstream latency profile this recent
                                      // counts beside the model's own calls
};

// The tokens one request of a route is expected to use.
struct token_expectation {
  double input = 0;
  double output = 0;
};

// Pools the mean tokens the candidates' calls used, weighted by how many
// cost samples each has; the defaults of `options` when none has any. Every
// candidate of a route is then priced for the same request.
token_expectation expected_tokens(const std::vector<const model_view*>& candidates,
                                  const engine_options& options);

// The expected cost of a request of `tokens` on a model: its list price,
// scaled by what the newest cost telemetry says it really bills (that bill
// over the list cost of the same tokens); without telemetry, by the observed
// cost over the list cost of the live window's requests.
double expected_cost(const model_spec* spec, const model_view& view, token_expectation tokens);

// The model's p95 latency when at least 20 calls are behind it: from the
// live window, else from the newest upstream profile; none when too few.
std::optional<double> tail_latency_ms(const model_view& v);

// The model's p95 time to first token when at least 20 streamed calls of
// the live window are behind it; none when fewer (upstream profiles give
// no percentile of it).
std::optional<double> tail_ttft_ms(const model_view& v);

// The latency a model's next call is expected to take, and how many calls
// are behind that expectation.
struct latency_evidence {
  double mean_ms = 0;
  double samples = 0;
};

// The model's own calls over the live window, pooled call for call with
// those of a fresh upstream profile (made within
// engine_options::profile_fresh_ms; counted as at most 1000 calls), so that
// a model with few calls of its own is judged on many; or only its newest
// calls (aggregator_options::recent_ms) when their mean shows the latency
// changed. With neither own calls nor a fresh profile: an older profile's
// mean (its median when it has none), else
// engine_options::default_latency_ms, with 0 samples.
latency_evidence latency_of(const model_view& v, const engine_options& options, time_ms now);

// The time to the first token of the model's next streamed call, as
// latency_of for the whole answer: its own streamed calls over the live
// window, pooled with a fresh upstream profile's ttft_ms, or only its
// newest calls when they show a change; with neither, an older profile's
// ttft_ms with 0 samples. None when the model has no first-token time at
// all (never streamed in the window, never profiled with one).
std::optional<latency_evidence> ttft_of(const model_view& v, const engine_options& options,
                                        time_ms now);

// The share of the whole answer's latency that the first token takes on a
// route: over the candidates with a first-token time (ttft_of), the sum of
// those times over the sum of their total latencies (latency_of), at most
// 1; none when no candidate has one. Null views are skipped.
std::optional<double> first_token_share(const std::vector<const model_view*>& candidates,
                                        const engine_options& options, time_ms now);

// The latency a route's utility weighs for one candidate, and which it is.
struct weighed_latency {
  latency_evidence evidence;
  latency_basis basis = latency_basis::total;
};

// On a route weighing total latency: latency_of. On a route weighing TTFT:
// ttft_of; for a candidate without a first-token time, its total latency
// scaled by the route's first_token_share (`share`), or unscaled when no
// candidate has one either.
//
// Why the fallback is fair: a first token comes no later than the whole
// answer, so an unscaled total would rank a never-streamed model below
// one that streamed, for lack of data; it would get little traffic, hence
// few streamed calls to correct it. Scaled by the share its peers show on
// the same requests, its estimate is neither better nor worse than theirs
// for the same total latency: it keeps the place its total latency earns,
// and its first streamed calls replace the estimate. The error it may
// make corrects itself: a model whose first token is late for its total
// (one that thinks before it writes) is over-rated, so it gets the
// traffic whose streamed calls show it, within seconds on a busy route.
// When no candidate has a first-token time, every one is weighed on its
// total latency: the same footing for all, as on a route weighing total
// latency.
weighed_latency latency_weighed(const route_spec& route, const model_view& v,
                                std::optional<double> share, const engine_options& options,
                                time_ms now);

// The model's quality posterior for `route`: from feedback that named the
// route when there is any, else from all its feedback.
quality_posterior quality_of(const model_view& v, const std::string& route);

// The calls that tell how likely a model's next call is to fail: the live
// window's, or only its newest (aggregator_options::recent_ms) when they
// show the rate changed.
call_evidence error_evidence(const model_view& v);

// What every candidate of a route is scored against, pooled over them all.
struct route_context {
  token_expectation tokens;  // expected_tokens
  // Pseudo-observations of the route's typical quality, added to each
  // candidate's posterior.
  quality_posterior quality_pool = quality_posterior::pseudo(0, 0);
  // On a route weighing TTFT: first_token_share of its candidates.
  std::optional<double> first_token_share = std::nullopt;
};

// Scores one candidate of `route` at `now`: its expected utility per
// request, from the model's live view (nullptr: nothing seen yet) and its
// list price (nullptr: unknown). Sets `excluded` instead of a score when the
// model is blocked by policy for the route or down.
candidate_assessment assess(const route_spec& route, const model_spec* spec, const model_view* view,
                            const route_context& context, const engine_options& options,
                            time_ms now);

// The probability that each candidate has the highest score, when candidate
// i's score is normal(means[i], sds[i]): estimated from `samples` joint draws
// that depend only on `seed`, so the same inputs always give the same
// answer and small input changes move it smoothly.
// REQUIRES: means non-empty, means.size() == sds.size()
std::vector<double> probability_best(const std::vector<double>& means,
                                     const std::vector<double>& sds, std::uint64_t seed,
                                     int samples = 512);

}  // namespace llmopt
