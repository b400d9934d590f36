#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/wall_clock.hpp"
#include "decision/signal_intake.hpp"
#include "store/checkpoint_store.hpp"

namespace llmopt {

struct aggregator_actor_config {
  intake_options intake;
  std::vector<model_spec> catalog;
  // The newest checkpoint, to restore before the first signal (or none).
  std::optional<checkpoint> restore_from;
  std::chrono::milliseconds checkpoint_interval{5000};
  caf::actor store;                                // saves checkpoints
  std::function<time_ms()> clock = wall_clock_ms;  // virtual time in tests
};

struct aggregator_state {
  std::unique_ptr<signal_intake> intake;
  // The next offset of every partition whose messages are applied.
  std::map<std::pair<std::string, int>, long long> positions;
  bool dirty = false;   // applied something since the last checkpoint
  bool saving = false;  // a checkpoint is being written
  long long last_checkpoint_id = 0;
  // The newest checkpoint whose record the group has (the collector said so):
  // the store keeps it until a newer one is published.
  long long published_checkpoint = 0;
  time_ms last_checkpoint_at = 0;
  std::string last_checkpoint_error;
  caf::actor decision;   // told at once about urgent signals; set after spawn
  caf::actor collector;  // commits checkpointed positions; set after spawn
  static inline const char* name = "aggregator";
};

// Owns everything the pipeline has taken in (signal_intake: aggregates, the
// dedup window, the counters) and the positions applied, and checkpoints them
// together: every checkpoint_interval it hands a consistent snapshot to the
// store, and once it is saved has the collector publish it to the group and
// commit those positions to Kafka.
//
// Receives:
//   signal_batch     -> applies it; replies with the number of messages
//   views_atom       -> replies with model_views
//   tick_atom        -> (self) the periodic checkpoint
//   checkpoint_atom  -> saves a checkpoint now; replies once it is saved and
//                       its positions are committed (for a clean shutdown)
//   handoff_atom     -> saves a checkpoint now; replies with it (saved_checkpoint)
//   (published_atom, id) -> the collector published checkpoint `id`'s record
//   pipeline_query, models_query -> JSON for the admin API
//   (peers_atom, decision, collector) -> the actors spawned after this one
caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               aggregator_actor_config config);

}  // namespace llmopt
