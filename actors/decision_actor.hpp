#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/wall_clock.hpp"
#include "decision/engine.hpp"
#include "decision/peer_view.hpp"

namespace llmopt {

struct decision_state {
  std::shared_ptr<decision_engine> engine;
  bool deciding = false;                 // a views request is under way
  std::vector<decision_trigger> queued;  // triggers that arrived meanwhile
  // The aggregator's urgent triggers that arrived meanwhile: sent before it
  // answered the views request under way, so in its answer.
  std::vector<decision_trigger> in_views;
  // For GET /metrics: decisions made since start by their trigger's
  // metric_label(), and each route's constrained candidates at its last
  // decision.
  std::map<std::string, long long> decisions_by_trigger;
  struct constrained_candidate {
    model_key model;
    constraint why;
    bool excluded = false;  // else held back
  };
  std::map<std::string, std::vector<constrained_candidate>> constrained;
  // Rescore requests answered once the next decision that starts is made.
  std::vector<caf::response_promise> waiting;
  // The newest report of every other instance sharing decisions: the views
  // in it are added to the aggregator's when deciding.
  std::map<std::string, instance_report> peers;
  static inline const char* name = "decision";
};

struct decision_actor_config {
  std::chrono::milliseconds tick{1000};
  caf::actor aggregator;  // asked for model views
  caf::actor store;       // receives decision_batch
  caf::actor router;      // receives the routing_table after every decision
  // Called with every decision made, after the router has the new table
  // (the daemon publishes it on kafka.topics.decisions), and the partition
  // of that topic it belongs on when instances share decisions
  // (nullopt: by key); may be empty.
  std::function<void(const decision&, std::optional<int> partition)> publish;
  // This instance, as its decisions name their maker (decided_by), when
  // instances share decisions; empty alone.
  std::string instance;
  // Sharing: each model's quality prior (the peers' views carry evidence
  // beyond it), and the age past which a peer's report is left out.
  std::map<model_key, quality_posterior> priors;
  time_ms stale_after_ms = 10000;
  std::function<time_ms()> clock = wall_clock_ms;  // virtual time in tests
};

// Rescores every route on a tick and at once on (urgent_atom, decision_trigger).
// Triggers that arrive while a decision is being made are coalesced into
// the next one, so a burst of urgent signals costs one rescoring and the
// decision names every signal of the burst.
//
// Receives: tick_atom (self), (urgent_atom, decision_trigger) from the
// aggregator, (rescore_atom, decision_trigger): decides like urgent_atom
// and replies with the routing table once that decision is made; breaker_change from the request
// path: the model is excluded while its breaker is not closed, decided at once;
// followed_decisions from the decision exchange, applied (engine.follow)
// and passed to the store; decided_partitions, which set what this
// instance decides (engine.share): routes newly its own are decided at once.
caf::behavior decision_actor(caf::stateful_actor<decision_state>* self,
                             std::shared_ptr<decision_engine> engine, decision_actor_config config);

}  // namespace llmopt
