#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/attempt_plan.hpp"
#include "actors/chat_exchange.hpp"
#include "actors/client_api.hpp"
#include "actors/key_snapshot.hpp"
#include "actors/routing_snapshot.hpp"
#include "adapters/http/server.hpp"
#include "adapters/providers/curl_loop.hpp"
#include "decision/result.hpp"

namespace llmopt {

struct gateway_options {
  http::server_options server;
  std::size_t max_json_depth = 64;  // nesting accepted in a request body
  bool auth_required = true;        // /v1 requests need an API key
  // The digest of the admin API's bearer token; none: the admin API is open
  // (check_exposure allows that on loopback only).
  std::optional<sha256_digest> admin_token;
};

// What the gateway serves requests with.
struct gateway_parts {
  // Providers, models, routes and their guarding: replaced whole by a
  // configuration reload.
  std::shared_ptr<const serving_snapshot> catalog;
  std::shared_ptr<routing_snapshot> snapshot;
  // The API keys, refreshed by the key watch.
  std::shared_ptr<const key_snapshot> keys;
  curl_loop* loop = nullptr;           // outlives the gateway
  caf::actor router;                   // provider counters, routing table, readiness
  caf::actor aggregator;               // call outcomes, pipeline counters, model statistics
  caf::actor collector;                // in-flight and paused state
  caf::actor decision;                 // decisions by trigger, constrained candidates (metrics)
  caf::actor config;                   // the running configuration: reload, rollback
  spend_guard* guard = nullptr;        // budgets and key limits; used on the loop thread only
  shared_ledger* ledger = nullptr;     // ... shared by instances (budgets.redis); null: off
  upstream_guard* upstream = nullptr;  // breakers, provider limits; the loop thread only
  answer_cache* cache = nullptr;  // the response cache, on the loop's thread; outlives the gateway
  call_reports* reports = nullptr;     // calls' outcomes to the actors, on the loop's thread
  gateway_metrics* metrics = nullptr;  // recorded on the loop's thread; outlives the gateway
  caf::actor store;                    // recent decisions, explained (the dashboard)
  caf::actor exchange;  // the instances sharing decisions; unset alone (kafka.share_decisions)
};

// The HTTP front door and the admin API:
//   POST /v1/chat/completions  OpenAI's API (model: a route, or provider:model)
//   POST /v1/messages          Anthropic's Messages API, served the same way
//   GET  /v1/models
//   GET  /health/live, /health/ready
//   GET  /metrics              Prometheus text format (metrics_page.hpp)
//   GET  /admin/v1/routes      current weights per route
//   GET  /admin/v1/pipeline    counters per source, collector and checkpoint state
//   GET  /admin/v1/models      live window and lifetime totals per model
//   GET  /admin/v1/providers   each provider key's calls by outcome, limits and pause
//   GET  /admin/v1/cluster     the instances sharing decisions: who decides which
//                              routes, each one's signal partitions and lag
//   GET  /admin/v1/cache       the response cache: entries, bytes, hits, misses, joins, L2
//   GET  /admin/v1/budgets     each budget in use: limit, spent, reserved
//   GET  /admin/v1/breakers    each provider:model's circuit breaker
//   GET  /admin/v1/config      the configuration in force: snapshot, source, time
//   POST /admin/v1/config      apply the TOML body (config_actor.hpp)
//   POST /admin/v1/config/rollback  apply snapshot {"id": N} again
//   GET  /ui, POST /ui/session, GET /admin/v1/dashboard, GET /admin/v1/decisions
//                              the live dashboard and its documents (dashboard.hpp)
// Every /v1 endpoint (and its alias without /v1) needs an API key unless
// auth is off (authentication.hpp); every /admin/ path needs the admin
// token when one is configured, and so does /metrics. /health/ needs nothing.
// A chat request runs the request path in order (see chat()): authenticate
// -> read it within bounds -> check the key may use its model -> its
// deadline -> choose its candidates -> the exchange (attempts, translation,
// streaming, accounting). Handlers run on the HTTP server's threads and
// never block or wait for an actor.
class gateway {
 public:
  static result<std::unique_ptr<gateway>> start(gateway_options options, gateway_parts parts);

  std::string address() const { return server_->address(); }
  void stop() { server_->stop(); }

 private:
  gateway(gateway_options options, gateway_parts parts);
  void handle(http::request req, http::responder respond);
  void chat(client_api api, const http::request& req, http::responder respond);
  http::response models() const;
  void breakers(http::responder respond);
  void metrics(http::responder respond);
  void configure(const http::request& req, http::responder respond);

  gateway_options options_;
  gateway_parts parts_;
  std::string id_prefix_;  // of answer ids: unique to this process
  std::atomic<unsigned long long> next_id_{1};
  std::unique_ptr<http::server> server_;
};

}  // namespace llmopt
