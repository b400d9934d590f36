// The baseline policies of spec/scenario.md, "Policies".

#include <algorithm>
#include <deque>
#include <limits>
#include <map>

#include "decision/simulation.hpp"

namespace llmopt {
namespace {

constexpr std::uint64_t stream_uniform_policy = 0x756e69666f726d;

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

}  // namespace

std::vector<named_policy> baseline_policies(const sim_world& world) {
  std::vector<named_policy> out;
  out.push_back({"uniform", std::make_unique<uniform_policy>(world.spec().seed)});
  out.push_back({"round_robin", std::make_unique<round_robin_policy>()});
  out.push_back({"lowest_latency", std::make_unique<lowest_latency_policy>()});
  out.push_back({"lowest_cost", std::make_unique<lowest_cost_policy>(world)});
  out.push_back({"static_best", std::make_unique<true_best_policy>(world, false)});
  out.push_back({"oracle", std::make_unique<true_best_policy>(world, true)});
  return out;
}

}  // namespace llmopt
