#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace llmopt {

// What differs between the running configuration and a new one, by name:
// the key a reload reports, and what decides whether it can be applied
// without a restart.
struct config_changes {
  std::vector<std::string> settings;   // top-level settings: "router.timeout_ms"
  std::vector<std::string> providers;  // names added, removed or changed
  std::vector<std::string> models;     // model ids added, removed or changed
  std::vector<std::string> routes;     // route names added, removed or changed

  bool empty() const;
  // The changed settings only a restart applies (applies_live() is false).
  std::vector<std::string> restart_only() const;
  // Every change as "kind name": "setting router.timeout_ms", "route chat".
  std::vector<std::string> all() const;
};

config_changes changes_between(const settings& running, const settings& next);

// Whether a running daemon takes a new value of the top-level setting
// `name` (dotted, as config/schema.cpp declares it): the request path's and
// the decision engine's settings (router.*, budgets.*, decision.* except
// decision.tick_ms). Kafka, the HTTP listener, auth, the admin token, the
// store, the collector, the aggregator's window, checkpoints, the cache and
// logging are fixed at start. [[providers]], [[models]] and [[routes]] are
// always live.
bool applies_live(const std::string& name);

}  // namespace llmopt
