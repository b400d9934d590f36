#pragma once

#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "decision/aggregator.hpp"

namespace llmopt {

struct aggregator_state {
  std::unique_ptr<aggregator> stats;
  caf::actor decision;  // told at once about urgent signals; set after spawn
  static inline const char* name = "aggregator";
};

// Owns the live statistics of every model.
//
// Receives:
//   signal_batch            -> applies every signal; replies with the count
//                              (the collector stores offsets on that reply)
//   typed_signal            -> applies one signal (the router's call outcomes)
//   views_atom              -> replies with model_views, a snapshot
//   caf::actor              -> the decision actor to notify of urgent signals
// Urgent signals (is_urgent) are forwarded to the decision actor as
// (urgent_atom, description) right after they are applied.
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               aggregator_options options, std::vector<model_spec> catalog);

}  // namespace llmopt
