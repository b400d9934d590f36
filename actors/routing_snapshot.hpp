#pragma once

#include <atomic>
#include <memory>

#include "decision/routing_table.hpp"

namespace llmopt {

// The routing table as requests read it: an immutable snapshot replaced
// whole by the router actor. Reading never waits for the actor or for a
// lock another thread holds for long. Thread-safe.
class routing_snapshot {
 public:
  // The current table; null before the first.
  std::shared_ptr<const routing_table> current() const { return std::atomic_load(&table_); }
  void replace(routing_table table) {
    std::atomic_store(&table_, std::make_shared<const routing_table>(std::move(table)));
  }

 private:
  std::shared_ptr<const routing_table> table_;
};

}  // namespace llmopt
