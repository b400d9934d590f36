#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "adapters/providers/provider_client.hpp"
#include "decision/model_spec.hpp"
#include "decision/route.hpp"
#include "decision/routing_table.hpp"

namespace llmopt {

struct router_config {
  std::vector<std::string> routes;                   // known route names
  std::unordered_map<model_key, model_spec> models;  // prices of declared models
  // Provider name -> its client. The clients outlive the router.
  std::map<std::string, std::shared_ptr<provider_client>> providers;
  int max_attempts = 3;
  std::uint64_t seed = 0;  // of the weighted choice
  caf::actor aggregator;   // receives one call_outcome signal per provider call
};

struct pending_job {
  chat_job job;
  std::string route;
  long long decision_id = 0;
  std::vector<model_key> order;  // candidates to try, in order
  std::size_t next = 0;          // index into order of the next attempt
  chat_reply last;               // the last failed attempt
};

struct router_state {
  routing_table table;
  bool has_table = false;
  bool consuming = false;
  bool announced_ready = false;
  std::unordered_map<long long, pending_job> jobs;
  long long next_job_id = 1;
  std::mt19937_64 rng;
  static inline const char* name = "router";
};

// Provider selection: holds the current routing table and serves chat jobs.
//
// For a job on a route it draws a candidate by weight, calls it, and on an
// error tries the next candidates (heaviest first) up to max_attempts. Every
// call's latency, tokens, cost and outcome go to the aggregator as a
// call_outcome signal, closing the loop. "provider:model" targets bypass the
// table and try only that model.
//
// Receives: routing_table (from the decision actor), chat_job, call_done
// (from the provider clients' thread), table_query, readiness_query,
// (consuming_atom, bool) from the collector.
caf::behavior router_actor(caf::stateful_actor<router_state>* self, router_config config);

}  // namespace llmopt
