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

// The OpenAI-compatible HTTP front door and the admin API:
//   POST /v1/chat/completions  (model: a route, or provider:model)
//   GET  /v1/models
//   GET  /health/live, /health/ready
//   GET  /admin/v1/routes
// Handlers run on the HTTP server's threads and never block: each request
// becomes a message to the router carrying a callback that answers it.
class gateway {
 public:
  static result<std::unique_ptr<gateway>> start(gateway_options options, caf::actor router);

  std::string address() const { return server_->address(); }
  void stop() { server_->stop(); }

 private:
  gateway(gateway_options options, caf::actor router);
  void handle(http::request req, http::responder respond);
  void chat_completions(const http::request& req, http::responder respond);
  http::response models() const;

  gateway_options options_;
  caf::actor router_;
  std::unique_ptr<http::server> server_;
};

}  // namespace llmopt
