#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "decision/decision_record.hpp"
#include "decision/routing_table.hpp"
#include "decision/scoring.hpp"

namespace llmopt {

// Turns model views into routing weights, one route at a time: drop the
// candidates that are blocked or down, score the rest by the route's expected
// utility with its uncertainty, and weight each by the probability that it is
// the best, plus an exploration floor for the plausible ones. Only a material change
// of a route's weights (or of who is excluded) becomes a decision; smaller
// moves leave the route as it is, so traffic does not jitter.
//
// Pure and single-threaded: owned by the decision actor in the daemon and by
// the simulator on virtual time.
// The partition of the decisions topic that carries `route`'s decisions: a
// hash of its name (64-bit FNV-1a) modulo `partitions`, the same in every
// instance and every build.
int route_partition(const std::string& route, int partitions);

class decision_engine {
 public:
  // Decisions are numbered from last_decision_id + 1.
  decision_engine(engine_options options, std::vector<route_spec> routes,
                  std::vector<model_spec> models, long long last_decision_id);

  // Rescores every route at `now`; `trigger` says why. Returns the
  // decisions made, in route order; table() reflects them.
  std::vector<decision> decide(const std::unordered_map<model_key, model_view>& views, time_ms now,
                               const decision_trigger& trigger);

  // A new configuration (a reload): options, routes and models replace the
  // old ones. Of the routes named in `changed` (added, removed or changed),
  // a removed one leaves the table at once; the others are decided by the
  // next decide() whatever their scores, and keep their weights until then.
  // The routes not named keep theirs. Decision ids go on.
  void reconfigure(engine_options options, std::vector<route_spec> routes,
                   std::vector<model_spec> models, const std::vector<std::string>& changed);

  // The request path's circuit breaker of `model` opened (`open`) or closed:
  // while open the model is excluded from every route ("circuit open").
  void set_circuit_open(const model_key& model, bool open, time_ms since);

  // Deciding with other instances (kafka.share_decisions). Routes are
  // spread over the `partitions` of the decisions topic by
  // route_partition(); this instance decides only the routes of the
  // partitions in `decided` and follows the others' decisions. A decision's
  // id is the smallest above every id made or followed here that leaves
  // `id % partitions` equal to its route's partition: the deciders of
  // different partitions never make the same id, and whoever decides a
  // partition next goes on above the ids it has followed. Returns the
  // routes decided here now and not before: each is decided at the next
  // decide(). Alone (the default): one partition, decided here, so ids go
  // 1, 2, 3...
  std::vector<std::string> share(int partitions, const std::set<int>& decided);
  // A decision another instance made, read from the decisions topic. It
  // sets the route's weights when the route is known, decided elsewhere and
  // the decision is newer (a higher id) than the weights it replaces; ids
  // made here go on above it either way. True when it was applied.
  bool follow(const decision& d);
  // `route`, decided here, is decided again at the next decide() whatever
  // its scores (another instance decided it too).
  void redecide(const std::string& route) { reconfigured_.insert(route); }
  // Whether this instance decides `route`.
  bool decides(const std::string& route) const;
  int partitions() const { return partitions_; }

  const routing_table& table() const { return table_; }
  const std::vector<route_spec>& routes() const { return routes_; }

  // How a candidate was constrained at a route's last decision: a change of
  // any of these is always a decision.
  enum class hold { excluded, over_latency_slo, held_back };
  struct constrained_model {
    hold how;
    model_key model;
    bool operator==(const constrained_model& o) const { return how == o.how && model == o.model; }
    bool operator!=(const constrained_model& o) const { return !(*this == o); }
  };

 private:
  std::vector<candidate_assessment> assess_route(
      const route_spec& route, const std::unordered_map<model_key, model_view>& views,
      time_ms now) const;
  bool is_material(const route_spec& route,
                   const std::vector<candidate_assessment>& candidates) const;
  // `since`: the route's previous decision (0 for none); changes of quality
  // evidence after it are among the reasons.
  std::vector<decision_reason> reasons_for(const std::vector<candidate_assessment>& candidates,
                                           time_ms since) const;

  engine_options options_;
  std::vector<route_spec> routes_;
  std::unordered_map<model_key, model_spec> models_;
  long long last_id_;  // the highest id made or followed
  int partitions_ = 1;
  std::set<int> decided_partitions_{0};
  routing_table table_;
  std::unordered_map<model_key, time_ms> circuit_open_since_;
  // Per route, constrained_models() at its last decision.
  std::unordered_map<std::string, std::vector<constrained_model>> constrained_;
  // Per route, when it was last decided.
  std::unordered_map<std::string, time_ms> decided_at_;
  // Routes a reload changed, decided at the next decide().
  std::unordered_set<std::string> reconfigured_;
};

}  // namespace llmopt
