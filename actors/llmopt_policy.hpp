#pragma once

#include <memory>
#include <unordered_map>

#include "adapters/signals/signal_parser.hpp"
#include "config/settings.hpp"
#include "decision/engine.hpp"
#include "decision/scenario.hpp"
#include "decision/signal_intake.hpp"
#include "decision/simulation.hpp"

namespace llmopt {

// The daemon's decision path as a simulation policy, on virtual time: raw
// signals through the production signal parser (as the collector does), every
// signal through signal_intake (as the aggregator actor does), the decision
// engine every decision.tick_ms and at once on an urgent signal (as the
// decision actor does), and the router's weighted choice of a candidate.
class llmopt_policy : public sim_policy {
 public:
  // `s` gives the routes, models and decision settings; `seed` the router's
  // draws.
  llmopt_policy(const settings& s, std::uint64_t seed);

  model_key choose(const sim_request& request) override;
  void on_outcome(const sim_outcome& outcome) override;
  void on_signal(time_ms now, const std::string& topic, const std::string& raw) override;

  const routing_table& table() const { return engine_.table(); }
  const std::vector<decision>& decisions() const { return decisions_; }
  const pipeline_counters& counters() const { return intake_.counters(); }

 private:
  void advance(time_ms now);
  void decide(time_ms now, const decision_trigger& trigger);
  void apply(signal_source source, const typed_signal& s, time_ms now);

  signal_parser parser_;
  signal_intake intake_;
  decision_engine engine_;
  std::unordered_map<model_key, model_price> prices_;  // list prices, as the router has them
  time_ms tick_ms_;
  time_ms next_tick_ = -1;  // before the first request: decide at startup
  std::uint64_t seed_;
  std::vector<decision> decisions_;
};

// A simulated call's outcome as the router reports it to the aggregator:
// with the cost the provider billed (as a provider that reports usage.cost
// does), `list_price` the router's own price of the model.
typed_signal router_signal_of(const sim_outcome& o, const model_price* list_price);

// Reads a raw signal with the production parser, as the collector does: for
// the simulator's world, which must know the shield blocks it delivers.
signal_reader production_signal_reader();

// Settings for simulating `s` with the decision settings of `base`: the
// scenario's routes, and its models at their t = 0 list prices with a
// neutral quality prior (llmopt is not told the true quality).
settings simulation_settings(const scenario& s, settings base);

}  // namespace llmopt
