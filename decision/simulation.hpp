#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/scenario.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// Scenario time 0 on the wall clock of the signals the simulator writes
// (2026-11-21T00:00:00Z, as the example scenarios' emitted signals assume).
constexpr time_ms simulation_epoch_ms = 1795219200000;

// One request, as a policy sees it before choosing.
struct sim_request {
  long long index = 0;
  time_ms now = 0;
  const scenario_route* route = nullptr;
};

// What the daemon's router learns from a live call.
struct sim_outcome {
  long long index = 0;
  time_ms now = 0;
  std::string route;
  model_key model;
  bool failed = false;
  double latency_ms = 0;
  long long input_tokens = 0;
  long long output_tokens = 0;
  double cost_usd = 0;  // at the price in force
};

// A routing policy under simulation. Baselines read only outcomes and the
// user feedback on them; the llmopt policy also takes every raw signal
// (feedback, latency profiles and the scenario's emitted signals) through the
// production adapters.
class sim_policy {
 public:
  virtual ~sim_policy() = default;
  virtual model_key choose(const sim_request& request) = 0;
  virtual void on_outcome(const sim_outcome&) {}
  // The user's judgement of a successful call's answer, for the requests
  // that get feedback; the same feedback also arrives as an "observatory"
  // signal.
  virtual void on_feedback(const sim_outcome&, bool /*good*/) {}
  // A raw signal as it would arrive on Kafka; `topic` is its kind (cost,
  // latency, sentinel, shield, observatory).
  virtual void on_signal(time_ms, const std::string& /*topic*/, const std::string& /*raw*/) {}
};

// The true state of the world, for the policies that know it (static_best,
// oracle, lowest_cost; thompson reads only the list prices) and for scoring.
class sim_world {
 public:
  explicit sim_world(const scenario& s);

  // The model's parameters in force at `t_s`.
  const simulated_model& model_at(const model_key& id, double t_s) const;
  // The expected utility of one request on `route` at `t_s` under the true
  // parameters (spec/scenario.md, "Utility"), or with `quality` in place of
  // the true answer quality when given.
  double expected_utility(const scenario_route& route, const model_key& id, double t_s,
                          std::optional<double> quality = std::nullopt) const;
  // Whether a policy block for (route, model) was applied at or before
  // `t_s - lag_s` (the oracle avoids blocks at once; a request more than 1 s
  // after the block is a violation).
  bool blocked(const std::string& route, const model_key& id, double t_s, double lag_s) const;
  void add_block(const std::string& route, const model_key& id, double t_s, bool block);

  const scenario& spec() const { return *s_; }

 private:
  struct change {
    double at_s;
    simulated_model model;
  };
  struct hold {
    std::string route;  // "" = every route
    model_key model;
    double since_s;
    double until_s;
  };
  const scenario* s_;
  std::vector<std::vector<change>> history_;  // per model, in time order
  std::vector<hold> holds_;
};

// Reads a raw signal with the production adapters (the simulator core in
// decision/ knows no parser): used to learn which emitted shield events
// block a model, for violations.
using signal_reader =
    std::function<std::optional<typed_signal>(const std::string& topic, const std::string& raw)>;

struct named_policy {
  std::string name;
  std::unique_ptr<sim_policy> policy;
};

// The policies of spec/scenario.md other than llmopt, in report order.
std::vector<named_policy> baseline_policies(const sim_world& world);

// Runs the world's scenario traffic through every policy on virtual time, with
// common random numbers, and returns the report (spec/scenario.md, "Report";
// the schema pages/simulation_html.hpp renders). `timeline_policies` are recorded
// per time bucket of `bucket_s`.
// `world` must be the one the baselines were made with: the run adds the
// policy blocks it learns from emitted signals.
nlohmann::json run_simulation(sim_world& world, std::vector<named_policy>& policies,
                              const signal_reader& reader,
                              const std::vector<std::string>& timeline_policies,
                              double bucket_s = 10);

// The report as text tables: overall, then per route.
std::string simulation_table(const nlohmann::json& report);

}  // namespace llmopt
