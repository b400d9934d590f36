#pragma once

#include <memory>

#include <caf/all.hpp>

#include "store/database.hpp"
#include "store/decision_log.hpp"

namespace llmopt {

struct store_state {
  std::shared_ptr<database> db;
  std::unique_ptr<decision_log> decisions;
  static inline const char* name = "store";
};

// The one writer of the SQLite store. Blocking: spawn it detached.
//
// Receives:
//   decision_batch -> appends the decisions in one transaction
caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::shared_ptr<database> db);

}  // namespace llmopt
