#include "decision/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "decision/world_model.hpp"

namespace llmopt {
namespace {

// Who is excluded, held back for the route's latency SLO, or held back
// otherwise: a change of any is always a decision.
std::vector<decision_engine::constrained_model> constrained_models(
    const std::vector<candidate_assessment>& candidates) {
  using hold = decision_engine::hold;
  std::vector<decision_engine::constrained_model> out;
  for (const auto& c : candidates) {
    if (!c.excluded.empty()) out.push_back({hold::excluded, c.model});
    if (c.held_back.for_latency_slo())
      out.push_back({hold::over_latency_slo, c.model});
    else if (!c.held_back.empty())
      out.push_back({hold::held_back, c.model});
  }
  return out;
}

// What the route's candidates typically achieve (the mean of their quality
// estimates, each counted once), as pool_strength pseudo-observations: added
// to each candidate's own posterior, it pulls a model with little feedback
// towards what models on this route typically achieve rather than towards
// the neutral prior, so a couple of bad early answers do not write it off.
quality_posterior route_quality_pool(const route_spec& route,
                                     const std::vector<const model_view*>& views,
                                     const engine_options& options) {
  if (views.empty()) return quality_posterior::pseudo(0, 0);
  double sum = 0;
  const model_view none;
  for (const auto* v : views)
    sum += quality_of(v ? *v : none, route.name).mean();
  const double mean = sum / static_cast<double>(views.size());
  const double s = options.pool_strength;
  return quality_posterior::pseudo(s * mean, s * (1 - mean));
}

bool blocked_by_policy(const candidate_assessment& c) {
  return c.excluded.is(constraint_code::policy_block);
}

// The share of a route's traffic the held-back candidates get while another
// candidate may serve it (a model retried after a failure streak, until one
// call succeeds; one over the route's latency SLO): a single answer says
// whether a retried model is back, and while it is not, the route loses a
// request or two, not a second of its traffic.
constexpr double held_back_share = 0.02;

// Why a scored candidate is held back for the route's latency SLO, or "".
// One held back before stays so until enough calls show its p95 again:
// its probe share alone may not bring 20 calls a minute, and releasing it
// for want of evidence would bounce it in and out.
constraint slo_hold(const route_spec& route, const model_view* v, bool held_before) {
  const auto p95 = v ? tail_latency_ms(*v) : std::nullopt;
  if (p95 && *p95 > route.latency_slo_ms)
    return {constraint_code::latency_slo, {{"p95_ms", *p95}, {"slo_ms", route.latency_slo_ms}}};
  if (!p95 && held_before)
    return {constraint_code::latency_slo_unconfirmed, {{"slo_ms", route.latency_slo_ms}}};
  return {};
}

// slo_hold for a route whose SLO bounds the time to first token. Without
// 20 streamed calls behind a p95 of it, the total latency's p95 stands in
// only where it can tell: a first token comes no later than the whole
// answer, so a total p95 within the SLO shows the first token's is too,
// while one over it shows nothing. A model is not held back for lack of
// streamed calls, nor kept held back once its total p95 clears it.
constraint ttft_slo_hold(const route_spec& route, const model_view* v, bool held_before) {
  const auto p95 = v ? tail_ttft_ms(*v) : std::nullopt;
  if (p95 && *p95 > route.latency_slo_ms)
    return {constraint_code::ttft_slo, {{"p95_ms", *p95}, {"slo_ms", route.latency_slo_ms}}};
  if (p95 || !held_before) return {};
  const auto total_p95 = v ? tail_latency_ms(*v) : std::nullopt;
  if (total_p95 && *total_p95 <= route.latency_slo_ms) return {};
  return {constraint_code::ttft_slo_unconfirmed, {{"slo_ms", route.latency_slo_ms}}};
}

}  // namespace

int route_partition(const std::string& route, int partitions) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : route) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return partitions > 0 ? static_cast<int>(h % static_cast<std::uint64_t>(partitions)) : 0;
}

std::vector<std::string> decision_engine::share(int partitions, const std::set<int>& decided) {
  std::vector<std::string> taken;
  const int n = std::max(1, partitions);
  for (const auto& route : routes_) {
    const int p = route_partition(route.name, n);
    if (decided.count(p) && !decides(route.name)) {
      taken.push_back(route.name);
      reconfigured_.insert(route.name);
    }
  }
  partitions_ = n;
  decided_partitions_ = decided;
  return taken;
}

bool decision_engine::decides(const std::string& route) const {
  return decided_partitions_.count(route_partition(route, partitions_)) > 0;
}

bool decision_engine::follow(const decision& d) {
  last_id_ = std::max(last_id_, d.id);
  if (decides(d.route)) return false;
  if (std::none_of(routes_.begin(), routes_.end(),
                   [&](const route_spec& r) { return r.name == d.route; }))
    return false;
  auto current = table_.find(d.route);
  if (current != table_.end() && current->second.decision_id >= d.id) return false;
  route_weights w;
  w.route = d.route;
  w.decision_id = d.id;
  for (const auto& c : d.candidates)
    w.weights.emplace_back(c.model, c.weight);
  table_[d.route] = std::move(w);
  constrained_[d.route] = constrained_models(d.candidates);
  decided_at_[d.route] = d.at;
  return true;
}

decision_engine::decision_engine(engine_options options, std::vector<route_spec> routes,
                                 std::vector<model_spec> models, long long last_decision_id)
    : options_(options), routes_(std::move(routes)), last_id_(last_decision_id) {
  for (auto& m : models)
    models_.emplace(m.id, std::move(m));
}

void decision_engine::set_circuit_open(const model_key& model, bool open, time_ms since) {
  if (open)
    circuit_open_since_.emplace(model, since);
  else
    circuit_open_since_.erase(model);
}

std::vector<candidate_assessment> decision_engine::assess_route(
    const route_spec& route, const std::unordered_map<model_key, model_view>& views,
    time_ms now) const {
  std::vector<candidate_assessment> out;
  std::vector<std::size_t> eligible, held_back;
  const route_weights* current = nullptr;
  if (auto it = table_.find(route.name); it != table_.end()) current = &it->second;
  std::vector<const model_view*> candidate_views;
  for (const auto& candidate : route.candidates) {
    auto view = views.find(candidate);
    candidate_views.push_back(view == views.end() ? nullptr : &view->second);
  }
  route_context context;
  context.tokens = expected_tokens(candidate_views, options_);
  context.quality_pool = route_quality_pool(route, candidate_views, options_);
  if (route.weighs_ttft())
    context.first_token_share = first_token_share(candidate_views, options_, now);
  const std::vector<constrained_model>* constrained_before = nullptr;
  if (auto it = constrained_.find(route.name); it != constrained_.end())
    constrained_before = &it->second;
  auto was_over_slo = [&](const model_key& m) {
    const constrained_model over{hold::over_latency_slo, m};
    return constrained_before && std::find(constrained_before->begin(), constrained_before->end(),
                                           over) != constrained_before->end();
  };
  for (std::size_t i = 0; i < route.candidates.size(); ++i) {
    const auto& candidate = route.candidates[i];
    auto spec = models_.find(candidate);
    auto a = assess(route, spec == models_.end() ? nullptr : &spec->second, candidate_views[i],
                    context, options_, now);
    a.model = candidate;
    a.previous_weight = current ? current->weight_of(candidate) : 0;
    if (auto open = circuit_open_since_.find(candidate);
        open != circuit_open_since_.end() && a.excluded.empty()) {
      a.excluded = {constraint_code::circuit_open,
                    {{"open_s", static_cast<double>(now - open->second) / 1000.0}}};
      a.score.reset();
    }
    if (a.score && a.held_back.empty() && route.latency_slo_ms > 0) {
      a.held_back = route.weighs_ttft()
                        ? ttft_slo_hold(route, candidate_views[i], was_over_slo(candidate))
                        : slo_hold(route, candidate_views[i], was_over_slo(candidate));
    }
    if (a.score) (a.held_back.empty() ? eligible : held_back).push_back(out.size());
    out.push_back(std::move(a));
  }
  // Held-back candidates share a probe of the traffic. When every candidate
  // that may serve the route is held back, they are weighed by score instead.
  if (eligible.empty()) {
    for (auto i : held_back)
      out[i].held_back.every_candidate = true;
    eligible.swap(held_back);
  }
  const double probe = held_back.empty() ? 0 : held_back_share;
  for (auto i : held_back)
    out[i].weight = probe / static_cast<double>(held_back.size());
  if (!eligible.empty()) {
    std::vector<double> scores;
    for (auto i : eligible)
      scores.push_back(*out[i].score);
    // Each candidate's share is the probability that it is the best, given
    // what is known, from a posterior narrowed by posterior_scale so that
    // traffic commits once the evidence leans one way (a candidate with
    // little feedback keeps its full posterior: it has not been judged yet).
    // The exploration floor goes to the candidates that could plausibly be
    // best under a posterior widened by floor_scale: enough to notice a
    // change, nothing for a candidate that cannot win whatever its quality.
    std::vector<double> exploit_sd, explore_sd;
    for (auto i : eligible) {
      const auto& c = out[i];
      const bool judged = c.quality_samples >= options_.judged_after_samples;
      exploit_sd.push_back(c.score_sd * (judged ? options_.posterior_scale : 1.0));
      explore_sd.push_back(c.score_sd * options_.floor_scale);
    }
    const std::uint64_t seed = stream_of(route.name);
    auto p = probability_best(scores, exploit_sd, seed);
    auto plausible = probability_best(scores, explore_sd, seed + 1);
    const double floor = eligible.size() > 1 ? options_.exploration_floor : 0;
    for (std::size_t i = 0; i < eligible.size(); ++i) {
      out[eligible[i]].p_best = p[i];
      out[eligible[i]].weight = (1 - probe) * ((1 - floor) * p[i] + floor * plausible[i]);
    }
  } else {
    // Every candidate is blocked or down. Down models may still answer; a
    // policy-blocked one must not. Spread over the former as a last resort.
    std::vector<candidate_assessment*> fallback;
    for (auto& a : out)
      if (!blocked_by_policy(a)) fallback.push_back(&a);
    for (auto* a : fallback)
      a->weight = 1.0 / static_cast<double>(fallback.size());
  }
  return out;
}

bool decision_engine::is_material(const route_spec& route,
                                  const std::vector<candidate_assessment>& candidates) const {
  auto current = table_.find(route.name);
  if (current == table_.end() || reconfigured_.count(route.name)) return true;
  auto previous = constrained_.find(route.name);
  if (previous == constrained_.end() || previous->second != constrained_models(candidates))
    return true;
  // Otherwise weights move when a weight moves by min_weight_change and the
  // move is worth it: it changes a request's expected utility, at today's
  // scores, by min_gain. Either way: towards the best is a gain, towards a
  // candidate worth learning about is the price of learning, and both are
  // made; a move between near-equal candidates changes next to nothing, so
  // they keep their shares rather than trade traffic on every fluctuation
  // of the evidence.
  bool large = false;
  double gain = 0;
  for (const auto& c : candidates) {
    if (std::abs(c.weight - c.previous_weight) >= options_.min_weight_change) large = true;
    if (c.score) gain += (c.weight - c.previous_weight) * *c.score;
  }
  return large && std::abs(gain) >= options_.min_gain;
}

std::vector<decision_reason> decision_engine::reasons_for(
    const std::vector<candidate_assessment>& candidates, time_ms since) const {
  std::vector<decision_reason> reasons;
  for (const auto& c : candidates) {
    if (!c.excluded.empty()) {
      decision_reason r{reason_code::excluded, c.model, {}, c.excluded};
      if (c.previous_weight > 0) r.figures["previous_weight"] = c.previous_weight;
      reasons.push_back(std::move(r));
    } else if (!c.held_back.empty()) {
      reasons.push_back({reason_code::held_back, c.model, {}, c.held_back});
    }
  }
  for (const auto& c : candidates) {
    const quality_change& q = c.quality_changed;
    if (q.cause == quality_change_cause::none || q.at <= since || !c.score) continue;
    reasons.push_back({q.cause == quality_change_cause::feedback ? reason_code::quality_changed
                                                                 : reason_code::quality_drifted,
                       c.model,
                       {{"from", q.from}, {"to", q.to}, {"answers", q.answers}}});
  }
  const candidate_assessment* best = nullptr;
  for (const auto& c : candidates)
    // Held-back candidates were not weighed by score (p_best 0): not "best".
    if (c.score && c.p_best > 0 && (!best || *c.score > *best->score)) best = &c;
  if (best) {
    reasons.push_back({reason_code::best,
                       best->model,
                       {{"utility", *best->score},
                        {"quality", best->quality},
                        {"error_rate", best->error_rate},
                        {"calls", static_cast<double>(best->calls)},
                        {"latency_ms", best->expected_latency_ms},
                        {"cost_usd", best->expected_cost_usd}},
                       {},
                       best->latency_weighed});
  } else {
    reasons.push_back({reason_code::none_eligible});
  }
  for (const auto& c : candidates) {
    if (std::abs(c.weight - c.previous_weight) >= options_.min_weight_change ||
        (c.weight == 0) != (c.previous_weight == 0))
      reasons.push_back(
          {reason_code::weight_moved, c.model, {{"from", c.previous_weight}, {"to", c.weight}}});
  }
  return reasons;
}

void decision_engine::reconfigure(engine_options options, std::vector<route_spec> routes,
                                  std::vector<model_spec> models,
                                  const std::vector<std::string>& changed) {
  options_ = options;
  routes_ = std::move(routes);
  models_.clear();
  for (auto& m : models)
    models_.emplace(m.id, std::move(m));
  for (const auto& name : changed) {
    const bool kept = std::any_of(routes_.begin(), routes_.end(),
                                  [&](const route_spec& r) { return r.name == name; });
    if (kept) {
      reconfigured_.insert(name);
    } else {
      table_.erase(name);
      constrained_.erase(name);
      decided_at_.erase(name);
    }
  }
}

std::vector<decision> decision_engine::decide(
    const std::unordered_map<model_key, model_view>& views, time_ms now,
    const decision_trigger& trigger) {
  std::vector<decision> made;
  for (const auto& route : routes_) {
    if (!decides(route.name)) continue;
    auto candidates = assess_route(route, views, now);
    if (!is_material(route, candidates)) continue;
    decision d;
    const long long p = route_partition(route.name, partitions_);
    d.id = last_id_ - last_id_ % partitions_ + p;
    if (d.id <= last_id_) d.id += partitions_;
    last_id_ = d.id;
    d.at = now;
    d.route = route.name;
    d.trigger = trigger;
    auto last = decided_at_.find(route.name);
    d.reasons = reasons_for(candidates, last == decided_at_.end() ? 0 : last->second);
    decided_at_[route.name] = now;
    route_weights w;
    w.route = route.name;
    w.decision_id = d.id;
    for (const auto& c : candidates)
      w.weights.emplace_back(c.model, c.weight);
    table_[route.name] = std::move(w);
    constrained_[route.name] = constrained_models(candidates);
    reconfigured_.erase(route.name);
    d.candidates = std::move(candidates);
    made.push_back(std::move(d));
  }
  return made;
}

}  // namespace llmopt
