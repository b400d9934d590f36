#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "adapters/http/server.hpp"
#include "decision/result.hpp"

namespace llmopt {

struct gateway_options {
  http::server_options server;
  std::vector<std::string> routes;  // names, for GET /v1/models
  std::vector<std::string> models;  // declared model keys, for GET /v1/models
};

// The actors the gateway talks to.
struct gateway_peers {
  caf::actor router;      // chat jobs, routing table, readiness
  caf::actor aggregator;  // pipeline counters, model statistics
  caf::actor collector;   // in-flight and paused state
};

// The OpenAI-compatible HTTP front door and the admin API:
//   POST /v1/chat/completions  (model: a route, or provider:model)
//   GET  /v1/models
//   GET  /health/live, /health/ready
//   GET  /admin/v1/routes      current weights per route
//   GET  /admin/v1/pipeline    counters per source, collector and checkpoint state
//   GET  /admin/v1/models      live window and lifetime totals per model
// Handlers run on the HTTP server's threads and never block: each request
// becomes a message to the router carrying a callback that answers it.
class gateway {
 public:
  static result<std::unique_ptr<gateway>> start(gateway_options options, gateway_peers peers);

  std::string address() const { return server_->address(); }
  void stop() { server_->stop(); }

 private:
  gateway(gateway_options options, gateway_peers peers);
  void handle(http::request req, http::responder respond);
  void chat_completions(const http::request& req, http::responder respond);
  http::response models() const;
  void pipeline(http::responder respond);

  gateway_options options_;
  gateway_peers peers_;
  std::unique_ptr<http::server> server_;
};

}  // namespace llmopt
