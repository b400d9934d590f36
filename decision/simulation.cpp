#include "decision/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "decision/assert.hpp"

namespace llmopt {
namespace {

// Streams of uniform_draw, apart from draw_request's per-model streams.
constexpr std::uint64_t stream_route = 0x726f757465;
constexpr std::uint64_t stream_input_tokens = 0x696e707574;
constexpr std::uint64_t stream_output_tokens = 0x6f7574707574;
constexpr std::uint64_t stream_feedback = 0x66656564;
constexpr std::uint64_t stream_profile = 0x70726f66;

// An exponential draw with `mean`, at least 1 token.
long long token_draw(double mean, double u) {
  return std::max(1LL, std::llround(-mean * std::log1p(-u)));
}

time_ms at_ms(double t_s) {
  return simulation_epoch_ms + static_cast<time_ms>(std::llround(t_s * 1000));
}

double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::min<double>(
      static_cast<double>(v.size() - 1), std::floor(q * static_cast<double>(v.size()))));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string provider_part(const model_key& m) {
  return std::string{provider_of(m)};
}
std::string name_part(const model_key& m) {
  return std::string{model_name_of(m)};
}

// Quality feedback as Observatory publishes it (a StructuredEvent whose data
// holds the quality and the route).
std::string feedback_signal(const sim_outcome& o, bool good, const std::string& policy) {
  return nlohmann::json{{"eventId", "fb-" + policy + "-" + std::to_string(o.index)},
                        {"timestamp", o.now},
                        {"type", "custom"},
                        {"category", "feedback"},
                        {"severity", "info"},
                        {"message", "user feedback"},
                        {"source", "simulate"},
                        {"modelId", name_part(o.model)},
                        {"provider", provider_part(o.model)},
                        {"data", {{"quality", good ? 1 : 0}, {"route", o.route}}}}
      .dump();
}

// Totals of one policy on one route (or overall).
struct tally {
  long long requests = 0;
  double utility = 0;
  long long good = 0;
  double cost_usd = 0;
  long long errors = 0;
  long long violations = 0;
  std::vector<double> latencies;

  void add(const sim_outcome& o, bool good_answer, bool violation, double u) {
    ++requests;
    utility += u;
    good += good_answer;
    cost_usd += o.cost_usd;
    errors += o.failed;
    violations += violation;
    latencies.push_back(o.latency_ms);
  }

  nlohmann::json report(std::optional<double> normalized) {
    const double n = static_cast<double>(std::max(1LL, requests));
    return {{"requests", requests},
            {"utility", utility},
            {"mean_utility", utility / n},
            {"normalized", normalized ? nlohmann::json(*normalized) : nlohmann::json()},
            {"good_rate", static_cast<double>(good) / n},
            {"cost_usd", cost_usd},
            {"p50_latency_ms", quantile(latencies, 0.50)},
            {"p95_latency_ms", quantile(latencies, 0.95)},
            {"errors", errors},
            {"violations", violations}};
  }
};

// Normalized score (spec/scenario.md): 0 = uniform, 1 = oracle. Undefined
// when the oracle does no better than uniform.
std::optional<double> normalized(double u, double u_uniform, double u_oracle) {
  if (!(u_oracle - u_uniform > 1e-9)) return std::nullopt;
  return (u - u_uniform) / (u_oracle - u_uniform);
}

// What the world tells every policy at `t_s` besides outcomes: LatencyLens
// profiles of each model over the last period, drawn from the parameters in
// force then.
std::string latency_profile_signal(const sim_world& world, const model_key& id, double t_s,
                                   double period_s, long long k) {
  const auto& s = world.spec();
  const int samples = static_cast<int>(std::clamp(period_s * s.requests_per_s, 20.0, 400.0));
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(samples));
  double sum = 0, sum_sq = 0;
  for (int j = 0; j < samples; ++j) {
    const double at = t_s - period_s + period_s * (j + 0.5) / samples;
    const auto& m = world.model_at(id, std::max(0.0, at));
    const auto d =
        lognormal::from_median_p95(m.behaviour.latency_median_ms, m.behaviour.latency_p95_ms);
    const double z = normal_draw(s.seed, static_cast<std::uint64_t>(k * 1000 + j),
                                 stream_profile + stream_of(id));
    const double x = d.at(z);
    v.push_back(x);
    sum += x;
    sum_sq += x * x;
  }
  const double n = static_cast<double>(v.size());
  const double mean = sum / n;
  const double sd = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
  return nlohmann::json{{"profileId", "lp-" + id + "-" + std::to_string(k)},
                        {"modelId", name_part(id)},
                        {"provider", provider_part(id)},
                        {"timestamp", at_ms(t_s)},
                        {"p50Ms", quantile(v, 0.50)},
                        {"p90Ms", quantile(v, 0.90)},
                        {"p95Ms", quantile(v, 0.95)},
                        {"p99Ms", quantile(v, 0.99)},
                        {"meanMs", mean},
                        {"stdDevMs", sd},
                        {"sampleCount", samples}}
      .dump();
}

}  // namespace

// -- the world ------------------------------------------------------------------

sim_world::sim_world(const scenario& s) : s_(&s), history_(s.models.size()) {
  for (std::size_t i = 0; i < s.models.size(); ++i)
    history_[i].push_back({0, s.models[i]});
  for (const auto& e : s.events) {
    if (e.set.is_null()) continue;
    for (std::size_t i = 0; i < s.models.size(); ++i) {
      if (s.models[i].id != e.model) continue;
      auto changed = with_changes(history_[i].back().model, e.set);
      LLMOPT_ASSERT(changed.ok());  // parse_scenario checked every event
      history_[i].push_back({e.at_s, *changed});
    }
  }
}

const simulated_model& sim_world::model_at(const model_key& id, double t_s) const {
  for (std::size_t i = 0; i < s_->models.size(); ++i) {
    if (s_->models[i].id != id) continue;
    const auto& h = history_[i];
    std::size_t k = 0;
    while (k + 1 < h.size() && h[k + 1].at_s <= t_s)
      ++k;
    return h[k].model;
  }
  LLMOPT_ASSERT(false && "model not in the scenario");
  return s_->models.front();
}

double sim_world::expected_utility(const scenario_route& r, const model_key& id, double t_s,
                                   std::optional<double> quality) const {
  const auto& m = model_at(id, t_s);
  const auto& b = m.behaviour;
  const double latency = lognormal::from_median_p95(b.latency_median_ms, b.latency_p95_ms).mean();
  const double cost = (s_->input_tokens_mean * m.price.in_per_mtok +
                       s_->output_tokens_mean * m.price.out_per_mtok) /
                      1e6;
  const auto& w = r.route.weights;
  const double success = w.quality * quality.value_or(b.quality) -
                         w.cost * cost / r.route.cost_ref_usd -
                         w.latency * latency / r.route.latency_ref_ms;
  return (1 - b.error_rate) * success - b.error_rate;
}

bool sim_world::blocked(const std::string& route, const model_key& id, double t_s,
                        double lag_s) const {
  for (const auto& h : holds_)
    if (h.model == id && (h.route.empty() || h.route == route) && h.since_s <= t_s - lag_s &&
        t_s < h.until_s)
      return true;
  return false;
}

void sim_world::add_block(const std::string& route, const model_key& id, double t_s, bool block) {
  if (block) {
    holds_.push_back({route, id, t_s, 1e300});
    return;
  }
  for (auto& h : holds_)
    if (h.model == id && h.route == route && h.until_s > t_s) h.until_s = t_s;
}

// -- the run --------------------------------------------------------------------

nlohmann::json run_simulation(sim_world& world, std::vector<named_policy>& policies,
                              const signal_reader& reader,
                              const std::vector<std::string>& timeline_policies, double bucket_s) {
  const scenario& s = world.spec();
  const long long n = s.request_count();
  const std::size_t P = policies.size();
  std::vector<tally> overall(P);
  std::vector<std::map<std::string, tally>> per_route(P);

  // Timeline: per recorded policy, per route, per bucket, per candidate.
  const auto buckets = static_cast<std::size_t>(std::ceil(s.duration_s / bucket_s));
  std::map<std::string, std::map<std::string, std::vector<std::vector<long long>>>> timeline;
  for (const auto& name : timeline_policies)
    for (const auto& r : s.routes)
      timeline[name][r.route.name].assign(buckets,
                                          std::vector<long long>(r.route.candidates.size()));

  auto broadcast = [&](time_ms now, const std::string& topic, const std::string& raw) {
    for (auto& p : policies)
      p.policy->on_signal(now, topic, raw);
  };

  std::size_t next_event = 0;
  long long next_profile = 1;
  for (long long i = 0; i < n; ++i) {
    const double t_s = static_cast<double>(i) / s.requests_per_s;
    const time_ms now = at_ms(t_s);
    // What happened in the world since the previous request, in time order.
    for (;;) {
      const double event_at = next_event < s.events.size() ? s.events[next_event].at_s : 1e300;
      const double profile_at = s.latency_profile_every_s > 0
                                    ? static_cast<double>(next_profile) * s.latency_profile_every_s
                                    : 1e300;
      if (std::min(event_at, profile_at) > t_s) break;
      if (event_at <= profile_at) {
        const auto& e = s.events[next_event++];
        if (e.emit.is_null()) continue;  // a `set`: model_at() already has it
        const std::string raw = e.emit.dump();
        // Whatever its topic says, a policy block is told by what it parses to.
        if (reader) {
          if (auto sig = reader(e.topic, raw)) {
            if (const auto* b = std::get_if<policy_block>(&sig->body)) {
              const auto effect = model_policy_effect(*b);
              if (effect != policy_effect::none)
                world.add_block(b->route, sig->model, e.at_s, effect == policy_effect::block);
            }
          }
        }
        broadcast(at_ms(e.at_s), e.topic, raw);
      } else {
        for (const auto& m : s.models)
          broadcast(at_ms(profile_at), "latency",
                    latency_profile_signal(world, m.id, profile_at, s.latency_profile_every_s,
                                           next_profile));
        ++next_profile;
      }
    }

    // The request: its route and tokens are the same for every policy.
    const auto ui = static_cast<std::uint64_t>(i);
    double u = uniform_draw(s.seed, ui, stream_route);
    std::size_t r = 0;
    while (r + 1 < s.routes.size() && u >= s.routes[r].share) {
      u -= s.routes[r].share;
      ++r;
    }
    const scenario_route& route = s.routes[r];
    const long long in =
        token_draw(s.input_tokens_mean, uniform_draw(s.seed, ui, stream_input_tokens));
    const long long out =
        token_draw(s.output_tokens_mean, uniform_draw(s.seed, ui, stream_output_tokens));
    const bool feedback = uniform_draw(s.seed, ui, stream_feedback) < s.feedback_fraction;
    const std::size_t bucket = std::min(buckets - 1, static_cast<std::size_t>(t_s / bucket_s));

    for (std::size_t p = 0; p < P; ++p) {
      auto& policy = *policies[p].policy;
      const model_key choice = policy.choose({i, now, &route});
      const auto c =
          std::find(route.route.candidates.begin(), route.route.candidates.end(), choice);
      LLMOPT_ASSERT(c != route.route.candidates.end());
      const simulated_model& m = world.model_at(choice, t_s);
      const request_draw d = draw_request(m, s.seed, ui);
      const bool violation = world.blocked(route.route.name, choice, t_s, 1.0);
      sim_outcome o{i, now, route.route.name, choice, d.failed || violation, d.latency_ms, in,
                    0, 0};
      if (!o.failed) {
        o.output_tokens = out;
        o.cost_usd = m.price.cost_usd(in, out);
      }
      const bool good = !o.failed && d.good;
      const double utility = request_utility(route.route, o.failed, good, o.cost_usd, o.latency_ms);
      overall[p].add(o, good, violation, utility);
      per_route[p][route.route.name].add(o, good, violation, utility);
      if (auto t = timeline.find(policies[p].name); t != timeline.end())
        ++t->second[route.route.name][bucket]
                   [static_cast<std::size_t>(c - route.route.candidates.begin())];
      policy.on_outcome(o);
      if (!o.failed && feedback) {
        policy.on_feedback(o, good);
        policy.on_signal(now, "observatory", feedback_signal(o, good, policies[p].name));
      }
    }
  }

  // The report.
  auto index_of = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t p = 0; p < P; ++p)
      if (policies[p].name == name) return p;
    return std::nullopt;
  };
  const auto uni = index_of("uniform"), orc = index_of("oracle");
  // One row per policy, normalized against uniform and oracle on the same
  // traffic (overall, or one route's).
  auto rows = [&](auto tally_of) {
    nlohmann::json out;
    for (std::size_t p = 0; p < P; ++p) {
      std::optional<double> score;
      if (uni && orc)
        score = normalized(tally_of(p).utility, tally_of(*uni).utility, tally_of(*orc).utility);
      out[policies[p].name] = tally_of(p).report(score);
    }
    return out;
  };
  nlohmann::json report{{"scenario", s.name},
                        {"description", s.description},
                        {"seed", s.seed},
                        {"duration_s", s.duration_s},
                        {"requests", n}};
  report["policies"] = rows([&](std::size_t p) -> tally& { return overall[p]; });
  for (const auto& r : s.routes) {
    const auto& name = r.route.name;
    report["routes"][name]["policies"] =
        rows([&](std::size_t p) -> tally& { return per_route[p][name]; });
  }
  report["timeline"]["bucket_s"] = bucket_s;
  for (const auto& r : s.routes) {
    auto& t = report["timeline"]["routes"][r.route.name];
    t["models"] = r.route.candidates;
    for (const auto& [policy, routes] : timeline)
      t["policies"][policy] = routes.at(r.route.name);
  }
  report["events"] = nlohmann::json::array();
  for (const auto& e : s.events)
    report["events"].push_back({{"at_s", e.at_s}, {"label", e.label}});
  return report;
}

// -- text -----------------------------------------------------------------------

namespace {

const std::vector<std::string>& report_order() {
  static const std::vector<std::string> order = {"llmopt",         "uniform",     "round_robin",
                                                 "lowest_latency", "lowest_cost", "static_best",
                                                 "thompson",       "oracle"};
  return order;
}

void table_rows(std::string& out, const nlohmann::json& policies) {
  char line[256];
  std::snprintf(line, sizeof line, "  %-15s %10s %9s %10s %9s %10s %7s %7s %7s %10s\n", "policy",
                "utility", "mean", "normalized", "good", "cost_usd", "p50_ms", "p95_ms", "errors",
                "violations");
  out += line;
  std::vector<std::string> names;
  for (const auto& n : report_order())
    if (policies.contains(n)) names.push_back(n);
  for (const auto& [n, v] : policies.items())
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  for (const auto& n : names) {
    const auto& p = policies[n];
    char norm[32] = "n/a";
    if (!p["normalized"].is_null())
      std::snprintf(norm, sizeof norm, "%.3f", p["normalized"].get<double>());
    std::snprintf(line, sizeof line,
                  "  %-15s %10.1f %9.4f %10s %9.3f %10.2f %7.0f %7.0f %7lld %10lld\n", n.c_str(),
                  p["utility"].get<double>(), p["mean_utility"].get<double>(), norm,
                  p["good_rate"].get<double>(), p["cost_usd"].get<double>(),
                  p["p50_latency_ms"].get<double>(), p["p95_latency_ms"].get<double>(),
                  p["errors"].get<long long>(), p["violations"].get<long long>());
    out += line;
  }
}

}  // namespace

std::string simulation_table(const nlohmann::json& report) {
  std::string out = "scenario " + report["scenario"].get<std::string>() + ", seed " +
                    std::to_string(report["seed"].get<std::uint64_t>()) + ", " +
                    std::to_string(report["requests"].get<long long>()) + " requests\n\noverall\n";
  table_rows(out, report["policies"]);
  for (const auto& [route, r] : report["routes"].items()) {
    out += "\nroute " + route + "\n";
    table_rows(out, r["policies"]);
  }
  return out;
}

}  // namespace llmopt
