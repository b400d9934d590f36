#include "actors/gateway.hpp"

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"

namespace llmopt {
namespace {

http::response json_response(int status, const nlohmann::json& body) {
  http::response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

http::response chat_response(const chat_result& result) {
  if (result.http_status != 200) {
    auto r = http::error_response(result.http_status, result.error_type, result.error_message,
                                  result.error_code);
    if (!result.model.empty()) r.headers.emplace_back("x-llmopt-model", result.model);
    return r;
  }
  auto r = json_response(200, result.body);
  if (!result.route.empty()) r.headers.emplace_back("x-llmopt-route", result.route);
  r.headers.emplace_back("x-llmopt-model", result.model);
  r.headers.emplace_back("x-llmopt-decision", std::to_string(result.decision_id));
  r.headers.emplace_back("x-llmopt-attempts", std::to_string(result.attempts));
  return r;
}

// Checks the parts of an OpenAI chat request the gateway relies on; returns
// an error response, or nothing when the request is usable.
std::optional<http::response> invalid_chat_request(const nlohmann::json& body) {
  auto bad = [](const std::string& message, const std::string& param) {
    auto r = http::error_response(400, "invalid_request_error", message, "invalid_request");
    auto j = nlohmann::json::parse(r.body);
    j["error"]["param"] = param;
    r.body = j.dump();
    return r;
  };
  if (!body.is_object()) return bad("the request body must be a JSON object", "");
  auto model = body.find("model");
  if (model == body.end()) return bad("missing required field 'model'", "model");
  if (!model->is_string() || model->get<std::string>().empty())
    return bad("'model' must be a non-empty string (a route name or provider:model)", "model");
  auto messages = body.find("messages");
  if (messages == body.end()) return bad("missing required field 'messages'", "messages");
  if (!messages->is_array() || messages->empty())
    return bad("'messages' must be a non-empty array", "messages");
  auto stream = body.find("stream");
  if (stream != body.end() && stream->is_boolean() && stream->get<bool>())
    return bad("streaming is not supported yet; send \"stream\": false", "stream");
  return std::nullopt;
}

}  // namespace

gateway::gateway(gateway_options options, gateway_peers peers)
    : options_(std::move(options)), peers_(std::move(peers)) {}

result<std::unique_ptr<gateway>> gateway::start(gateway_options options, gateway_peers peers) {
  std::unique_ptr<gateway> g{new gateway(std::move(options), std::move(peers))};
  auto* raw = g.get();
  auto server =
      http::server::start(g->options_.server, [raw](http::request req, http::responder respond) {
        raw->handle(std::move(req), std::move(respond));
      });
  if (!server) return server.err();
  g->server_ = std::move(*server);
  return g;
}

void gateway::handle(http::request req, http::responder respond) {
  const auto& path = req.path;
  auto only = [&](const char* method) {
    if (req.method == method) return true;
    respond(http::error_response(405, "invalid_request_error",
                                 req.method + " is not allowed on " + path, "method_not_allowed"));
    return false;
  };
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (only("POST")) chat_completions(req, std::move(respond));
  } else if (path == "/v1/models" || path == "/models") {
    if (only("GET")) respond(models());
  } else if (path == "/health/live") {
    if (only("GET")) respond(json_response(200, {{"status", "live"}}));
  } else if (path == "/health/ready") {
    if (!only("GET")) return;
    caf::anon_send(
        peers_.router, readiness_query{[respond](bool ready, std::string why_not) {
          respond(ready ? json_response(200, {{"status", "ready"}})
                        : json_response(503, {{"status", "not_ready"}, {"reason", why_not}}));
        }});
  } else if (path == "/admin/v1/routes") {
    if (!only("GET")) return;
    caf::anon_send(peers_.router, table_query{[respond](routing_table table) {
                     nlohmann::json routes = nlohmann::json::object();
                     for (const auto& [name, weights] : table)
                       routes[name] = weights;
                     respond(json_response(200, {{"routes", routes}}));
                   }});
  } else if (path == "/admin/v1/pipeline") {
    if (only("GET")) pipeline(std::move(respond));
  } else if (path == "/admin/v1/models") {
    if (!only("GET")) return;
    caf::anon_send(peers_.aggregator, models_query{[respond](nlohmann::json models) {
                     respond(json_response(200, {{"models", std::move(models)}}));
                   }});
  } else {
    respond(http::error_response(404, "invalid_request_error", "no such endpoint: " + path,
                                 "not_found"));
  }
}

void gateway::chat_completions(const http::request& req, http::responder respond) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    respond(http::error_response(400, "invalid_request_error", "the request body is not valid JSON",
                                 "invalid_json"));
    return;
  }
  if (auto invalid = invalid_chat_request(body)) {
    respond(std::move(*invalid));
    return;
  }
  std::string target = body["model"].get<std::string>();
  caf::anon_send(peers_.router,
                 chat_job{std::move(target), std::move(body),
                          [respond](chat_result result) { respond(chat_response(result)); }});
}

// The collector's state, then the aggregator's counters, in one document.
void gateway::pipeline(http::responder respond) {
  auto aggregator = peers_.aggregator;
  caf::anon_send(peers_.collector, pipeline_query{[aggregator, respond](nlohmann::json collector) {
                   caf::anon_send(aggregator,
                                  pipeline_query{[collector, respond](nlohmann::json counters) {
                                    counters["collector"] = collector;
                                    respond(json_response(200, counters));
                                  }});
                 }});
}

http::response gateway::models() const {
  auto data = nlohmann::json::array();
  for (const auto& r : options_.routes)
    data.push_back({{"id", r}, {"object", "model"}, {"owned_by", "llmopt"}, {"kind", "route"}});
  for (const auto& m : options_.models)
    data.push_back({{"id", m},
                    {"object", "model"},
                    {"owned_by", std::string{provider_of(m)}},
                    {"kind", "model"}});
  return json_response(200, {{"object", "list"}, {"data", data}});
}

}  // namespace llmopt
