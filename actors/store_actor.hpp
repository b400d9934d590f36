#pragma once

#include <memory>

#include <caf/all.hpp>

#include "store/checkpoint_store.hpp"
#include "store/database.hpp"
#include "store/decision_log.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {

struct store_state {
  std::shared_ptr<database> db;
  std::unique_ptr<decision_log> decisions;
  std::unique_ptr<checkpoint_store> checkpoints;
  std::unique_ptr<spend_ledger> ledger;
  static inline const char* name = "store";
};

// The one writer of the SQLite store. Blocking: spawn it detached.
//
// Receives:
//   decision_batch -> appends the decisions in one transaction
//   spend_batch    -> appends the billed calls in one transaction; replies
//                     true when written
//   recent_decisions_query -> answers with the newest decisions, explained
//   (checkpoint, pinned) -> saves it in one transaction, keeping the newest
//                     three and the one numbered `pinned`; replies with its
//                     id, or an error (the previous checkpoint then stays
//                     the newest)
caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::shared_ptr<database> db);

}  // namespace llmopt
