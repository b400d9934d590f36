#include "bench/learnability_bench.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "actors/llmopt_policy.hpp"
#include "config/loader.hpp"
#include "decision/model_stats.hpp"
#include "decision/simulation.hpp"

namespace llmopt {
namespace {

// Knows the world's parameters in force except answer quality, which it
// learns from feedback; picks each request's model by Thompson sampling.
class reference_learner : public sim_policy {
 public:
  reference_learner(const sim_world& world, signal_reader reader, std::uint64_t seed)
      : world_(world), reader_(std::move(reader)), random_(seed) {}

  model_key choose(const sim_request& r) override {
    const double t_s = static_cast<double>(r.index) / world_.spec().requests_per_s;
    const model_key* best = nullptr;
    double best_u = -std::numeric_limits<double>::infinity();
    for (const auto& m : r.route->route.candidates) {
      if (world_.blocked(r.route->route.name, m, t_s, 0)) continue;
      // The true expected utility, with a drawn quality for the true one.
      const double u = world_.expected_utility(*r.route, m, t_s, draw_quality(m, r.now));
      if (u > best_u) {
        best_u = u;
        best = &m;
      }
    }
    return best ? *best : r.route->route.candidates.front();
  }

  void on_signal(time_ms now, const std::string& topic, const std::string& raw) override {
    if (topic != "observatory") return;
    auto s = reader_(topic, raw);
    if (!s) return;
    if (const auto* f = std::get_if<quality_feedback>(&s->body)) {
      auto& q = posterior(s->model, now);
      q.observe(f->quality);
    }
  }

 private:
  quality_posterior& posterior(const model_key& m, time_ms now) {
    auto [it, added] = quality_.try_emplace(m, prior_);
    if (added) it->second.at = now;
    it->second.forget(now, aggregator_options{}.quality_half_life_ms, prior_);
    return it->second;
  }

  double draw_quality(const model_key& m, time_ms now) {
    const auto& q = posterior(m, now);
    const double good = std::gamma_distribution<double>(q.alpha, 1)(random_);
    const double bad = std::gamma_distribution<double>(q.beta, 1)(random_);
    return good / (good + bad);
  }

  const sim_world& world_;
  signal_reader reader_;
  std::mt19937_64 random_;
  const quality_posterior prior_ = quality_posterior::from_prior(0.5, 2);
  std::map<model_key, quality_posterior> quality_;
};

nlohmann::json summary(const std::vector<double>& scores) {
  double sum = 0;
  int reached = 0;
  for (double s : scores) {
    sum += s;
    reached += s >= 0.90;
  }
  const double n = static_cast<double>(scores.size());
  // The 10th percentile by nearest rank: of 20 seeds, the second worst.
  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  const auto p10 = static_cast<std::size_t>(std::max(1.0, std::ceil(0.1 * n))) - 1;
  return {{"mean", sum / n},
          {"p10", sorted[p10]},
          {"min", sorted.front()},
          {"max", *std::max_element(scores.begin(), scores.end())},
          {"at_least_0.90", reached / n}};
}

}  // namespace

result<nlohmann::json> run_learnability_bench(const learnability_options& options) {
  auto loaded = load_scenario(options.scenario_file);
  if (!loaded) return loaded.err();
  const signal_reader reader = production_signal_reader();
  nlohmann::json runs = nlohmann::json::array();
  std::vector<double> llmopt_scores, reference_scores, thompson_scores;
  for (int k = 0; k < options.seeds; ++k) {
    scenario s = *loaded;
    s.seed = options.first_seed + static_cast<std::uint64_t>(k);
    sim_world world(s);
    std::vector<named_policy> policies;
    policies.push_back({"llmopt", std::make_unique<llmopt_policy>(
                                      simulation_settings(s, default_settings()), s.seed)});
    policies.push_back({"reference", std::make_unique<reference_learner>(world, reader, s.seed)});
    for (auto& p : baseline_policies(world))
      policies.push_back(std::move(p));
    const auto report = run_simulation(world, policies, reader, {});
    const double llmopt = report["policies"]["llmopt"]["normalized"].get<double>();
    const double reference = report["policies"]["reference"]["normalized"].get<double>();
    const double thompson = report["policies"]["thompson"]["normalized"].get<double>();
    llmopt_scores.push_back(llmopt);
    reference_scores.push_back(reference);
    thompson_scores.push_back(thompson);
    runs.push_back(
        {{"seed", s.seed}, {"llmopt", llmopt}, {"reference", reference}, {"thompson", thompson}});
  }
  return nlohmann::json{{"scenario", loaded->name},
                        {"seeds", runs},
                        {"llmopt", summary(llmopt_scores)},
                        {"reference", summary(reference_scores)},
                        {"thompson", summary(thompson_scores)}};
}

}  // namespace llmopt
