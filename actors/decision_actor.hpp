#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "decision/engine.hpp"

namespace llmopt {

struct decision_state {
  std::shared_ptr<decision_engine> engine;
  bool deciding = false;            // a views request is under way
  std::vector<std::string> queued;  // triggers that arrived meanwhile
  static inline const char* name = "decision";
};

struct decision_actor_config {
  std::chrono::milliseconds tick{1000};
  caf::actor aggregator;  // asked for model views
  caf::actor store;       // receives decision_batch
  caf::actor router;      // receives the routing_table after every decision
};

// Rescores every route on a tick and at once on (urgent_atom, trigger).
// Triggers that arrive while a decision is being made are coalesced into
// the next one, so a burst of urgent signals costs one rescoring and the
// decision names every signal of the burst.
caf::behavior decision_actor(caf::stateful_actor<decision_state>* self,
                             std::shared_ptr<decision_engine> engine, decision_actor_config config);

}  // namespace llmopt
