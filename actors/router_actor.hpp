#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/routing_snapshot.hpp"

namespace llmopt {

struct router_config {
  // Where requests read the table this actor receives; shared with the
  // gateway.
  std::shared_ptr<routing_snapshot> snapshot;
  // Called once, on the router's thread, when the daemon first becomes
  // ready (as it prints "llmopt: ready"); must not block. Optional.
  std::function<void()> on_ready = {};
};

// The calls of one provider's key as the request path reported them.
struct provider_counters {
  long long calls = 0;
  long long ok = 0;
  long long model_failures = 0;
  long long credentials_errors = 0;  // 401, 402, 403: the key's fault
  long long request_errors = 0;      // the client's fault
  std::string last_error;            // never contains the key
  int last_error_status = 0;
};

struct router_state {
  routing_table table;
  bool has_table = false;
  bool consuming = false;
  bool announced_ready = false;
  std::map<std::string, provider_counters> providers;
  static inline const char* name = "router";
};

// Provider selection's actor side: holds the current routing table and
// publishes it as the snapshot requests read (the calls themselves run on
// the request path, actors/chat_exchange.hpp, without waiting for any
// actor); counts each provider key's call outcomes; says when the daemon is
// ready (a table in place and partitions consumed), prints "llmopt: ready"
// and calls `on_ready` once.
//
// Receives: routing_table (from the decision actor), provider_call (from the
// request path), table_query, providers_query, readiness_query,
// (consuming_atom, bool) from the collector.
caf::behavior router_actor(caf::stateful_actor<router_state>* self, router_config config);

}  // namespace llmopt
