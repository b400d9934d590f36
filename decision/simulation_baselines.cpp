// The baseline policies of spec/scenario.md, "Policies".

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <utility>

#include "decision/route.hpp"
#include "decision/simulation.hpp"

namespace llmopt {
namespace {

constexpr std::uint64_t stream_uniform_policy = 0x756e69666f726d;
constexpr std::uint64_t stream_thompson_policy = 0x74686f6d70736f6e;

const std::vector<model_key>& candidates_of(const sim_request& r) {
  return r.route->route.candidates;
}

class uniform_policy : public sim_policy {
 public:
  explicit uniform_policy(std::uint64_t seed) : seed_(seed) {}
  model_key choose(const sim_request& r) override {
    const auto& c = candidates_of(r);
    const double u =
        uniform_draw(seed_, static_cast<std::uint64_t>(r.index), stream_uniform_policy);
    return c[std::min(c.size() - 1, static_cast<std::size_t>(u * static_cast<double>(c.size())))];
  }

 private:
  std::uint64_t seed_;
};

class round_robin_policy : public sim_policy {
 public:
  model_key choose(const sim_request& r) override {
    const auto& c = candidates_of(r);
    return c[next_[r.route->route.name]++ % c.size()];
  }

 private:
  std::map<std::string, std::size_t> next_;
};

// LiteLLM's latency-based routing: the mean of the last 10 (latency / output
// tokens) per model; untried models first; a failed call counts as a
// 1000 s/token sample.
class lowest_latency_policy : public sim_policy {
 public:
  model_key choose(const sim_request& r) override {
    const model_key* best = nullptr;
    double best_mean = std::numeric_limits<double>::infinity();
    for (const auto& m : candidates_of(r)) {
      auto it = samples_.find(m);
      if (it == samples_.end() || it->second.empty()) return m;
      double sum = 0;
      for (double x : it->second)
        sum += x;
      const double mean = sum / static_cast<double>(it->second.size());
      if (mean < best_mean) {
        best_mean = mean;
        best = &m;
      }
    }
    return *best;
  }
  void on_outcome(const sim_outcome& o) override {
    auto& q = samples_[o.model];
    q.push_back(o.failed ? 1e6
                         : o.latency_ms / static_cast<double>(std::max(1LL, o.output_tokens)));
    if (q.size() > 10) q.pop_front();
  }

 private:
  std::map<model_key, std::deque<double>> samples_;
};

// The cheapest expected cost per request at the list prices in force.
class lowest_cost_policy : public sim_policy {
 public:
  explicit lowest_cost_policy(const sim_world& world) : world_(world) {}
  model_key choose(const sim_request& r) override {
    const auto& s = world_.spec();
    const double t_s = static_cast<double>(r.index) / s.requests_per_s;
    const model_key* best = nullptr;
    double best_cost = std::numeric_limits<double>::infinity();
    for (const auto& m : candidates_of(r)) {
      const auto& price = world_.model_at(m, t_s).price;
      const double cost =
          s.input_tokens_mean * price.in_per_mtok + s.output_tokens_mean * price.out_per_mtok;
      if (cost < best_cost) {
        best_cost = cost;
        best = &m;
      }
    }
    return *best;
  }

 private:
  const sim_world& world_;
};

// The best model under the true parameters: at t = 0 forever (static_best),
// or at every request, never a blocked one (oracle).
class true_best_policy : public sim_policy {
 public:
  true_best_policy(const sim_world& world, bool follow) : world_(world), follow_(follow) {}
  model_key choose(const sim_request& r) override {
    const double t_s = follow_ ? static_cast<double>(r.index) / world_.spec().requests_per_s : 0.0;
    const model_key* best = nullptr;
    double best_u = -std::numeric_limits<double>::infinity();
    for (const auto& m : candidates_of(r)) {
      if (follow_ && world_.blocked(r.route->route.name, m, t_s, 0)) continue;
      const double u = world_.expected_utility(*r.route, m, t_s);
      if (u > best_u) {
        best_u = u;
        best = &m;
      }
    }
    return best ? *best : candidates_of(r).front();
  }

 private:
  const sim_world& world_;
  bool follow_;
};

// An ordinary Thompson-sampling learner, the bandit llmopt should beat
// (issue 17). Per route and model a Beta(1, 1) posterior on answer quality
// from the feedback; per model a Beta(1, 1) posterior on errors whose
// evidence halves every 15 s; the mean latency of the model's successful
// calls; the list price in force at the scenario's mean tokens. Each request
// draws quality and error rate for every candidate and takes the best drawn
// expected utility under request_utility, the function that scores outcomes.
// It knows no policy block: a violation reaches it as a failed call.
// Deterministic for a seed (std::mt19937_64 seeded from the scenario's).
class thompson_policy : public sim_policy {
 public:
  static constexpr double error_half_life_ms = 15'000;

  explicit thompson_policy(const sim_world& world)
      : world_(world), random_(world.spec().seed ^ stream_thompson_policy) {}

  model_key choose(const sim_request& r) override {
    const auto& s = world_.spec();
    const auto& route = r.route->route;
    const double t_s = static_cast<double>(r.index) / s.requests_per_s;
    const model_key* best = nullptr;
    double best_u = -std::numeric_limits<double>::infinity();
    for (const auto& m : route.candidates) {
      const beta_counts& q = quality_[{route.name, m}];
      const beta_counts& e = decayed_errors(m, r.now);
      const double quality = beta_draw(q);
      const double error_rate = beta_draw(e);
      const auto& price = world_.model_at(m, t_s).price;
      const double cost_usd =
          (s.input_tokens_mean * price.in_per_mtok + s.output_tokens_mean * price.out_per_mtok) /
          1e6;
      const double latency_ms = mean_latency_ms(m);
      const double success =
          quality * request_utility(route, false, true, cost_usd, latency_ms) +
          (1 - quality) * request_utility(route, false, false, cost_usd, latency_ms);
      const double u =
          error_rate * request_utility(route, true, false, 0, 0) + (1 - error_rate) * success;
      if (u > best_u) {
        best_u = u;
        best = &m;
      }
    }
    return *best;
  }

  void on_outcome(const sim_outcome& o) override {
    auto& e = decayed_errors(o.model, o.now);
    (o.failed ? e.a : e.b) += 1;
    if (!o.failed) {
      auto& l = latency_[o.model];
      l.first += o.latency_ms;
      l.second += 1;
    }
  }

  void on_feedback(const sim_outcome& o, bool good) override {
    auto& q = quality_[{o.route, o.model}];
    (good ? q.a : q.b) += 1;
  }

 private:
  // Beta(a, b): evidence for (a) and against (b), on a Beta(1, 1) prior.
  struct beta_counts {
    double a = 1;
    double b = 1;
    time_ms at = 0;  // errors only: when the evidence was last decayed
  };

  beta_counts& decayed_errors(const model_key& m, time_ms now) {
    auto [it, added] = errors_.try_emplace(m);
    auto& e = it->second;
    if (!added && now > e.at) {
      const double keep = std::exp2(-static_cast<double>(now - e.at) / error_half_life_ms);
      e.a = 1 + (e.a - 1) * keep;
      e.b = 1 + (e.b - 1) * keep;
    }
    e.at = now;
    return e;
  }

  double beta_draw(const beta_counts& c) {
    const double x = std::gamma_distribution<double>(c.a, 1)(random_);
    const double y = std::gamma_distribution<double>(c.b, 1)(random_);
    return x + y > 0 ? x / (x + y) : 0.5;
  }

  // The mean over successful calls; an untried model is taken to answer at
  // once, so that it gets tried.
  double mean_latency_ms(const model_key& m) const {
    auto it = latency_.find(m);
    return it == latency_.end() ? 0.0 : it->second.first / it->second.second;
  }

  const sim_world& world_;
  std::mt19937_64 random_;
  std::map<std::pair<std::string, model_key>, beta_counts> quality_;
  std::map<model_key, beta_counts> errors_;
  std::map<model_key, std::pair<double, double>> latency_;  // sum of ms, calls
};

}  // namespace

std::vector<named_policy> baseline_policies(const sim_world& world) {
  std::vector<named_policy> out;
  out.push_back({"uniform", std::make_unique<uniform_policy>(world.spec().seed)});
  out.push_back({"round_robin", std::make_unique<round_robin_policy>()});
  out.push_back({"lowest_latency", std::make_unique<lowest_latency_policy>()});
  out.push_back({"lowest_cost", std::make_unique<lowest_cost_policy>(world)});
  out.push_back({"static_best", std::make_unique<true_best_policy>(world, false)});
  out.push_back({"thompson", std::make_unique<thompson_policy>(world)});
  out.push_back({"oracle", std::make_unique<true_best_policy>(world, true)});
  return out;
}

}  // namespace llmopt
