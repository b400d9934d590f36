#include "actors/gateway.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

#include <prometheus/registry.h>
#include <nlohmann/json.hpp>

#include "actors/admin_documents.hpp"
#include "actors/authentication.hpp"
#include "actors/cache_key.hpp"
#include "actors/config_actor.hpp"
#include "actors/dashboard.hpp"
#include "actors/gateway_metrics.hpp"
#include "actors/messages.hpp"
#include "actors/metrics_page.hpp"
#include "actors/shared_ledger.hpp"
#include "actors/wall_clock.hpp"
#include "adapters/providers/anthropic_inbound.hpp"
#include "adapters/providers/chat_request.hpp"

namespace llmopt {
namespace {

http::response json_response(int status, const nlohmann::json& body) {
  http::response r;
  r.status = status;
  r.body = dump_json(body);
  return r;
}

// A request that could not be read or checked, as the client's error.
api_error unreadable(const error& e) {
  const int status = e.code == "too_large" ? 413 : 400;
  std::string message = e.code == "invalid_json" ? "the request body is not valid JSON" : e.detail;
  return {status, "invalid_request_error", e.code, std::move(message), e.field};
}

// A request no candidate can take, as the client's error.
api_error unplannable(const error& e) {
  int status = 400;
  std::string type = "invalid_request_error";
  if (e.code == "model_not_found") status = 404;
  if (e.code == "no_routing_table" || e.code == "no_candidate") {
    status = 503;
    type = "service_unavailable";
  }
  return {status, std::move(type), e.code, e.detail, e.field};
}

// A uniform draw in [0, 1) for the weighted choice, per HTTP thread.
double uniform_draw() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

constexpr const char* timeout_header = "x-llmopt-timeout-ms";

// x-llmopt-timeout-ms: whole milliseconds in [1, max_ms].
result<long long> parse_timeout(const std::string& value, long long max_ms) {
  long long ms = 0;
  const char* end = value.data() + value.size();
  auto [stop, ec] = std::from_chars(value.data(), end, ms);
  if (value.empty() || ec != std::errc{} || stop != end || ms < 1 || ms > max_ms)
    return error{"invalid_header",
                 std::string(timeout_header) + " must be whole milliseconds from 1 to " +
                     std::to_string(max_ms) + ", got '" + value.substr(0, 32) + "'",
                 timeout_header};
  return ms;
}

std::string hex(unsigned long long x) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[x % 16]);
    x /= 16;
  } while (x);
  return out;
}

// The cache's part in a request: its key, unless the cache is off, the
// client opted out (Cache-Control: no-store) or the answer may not be
// cached (cache_refusal_of).
cache_ticket cache_ticket_for(answer_cache* cache, const chat_request& request,
                              const http::request& req, const std::string& route) {
  if (!cache || !cache->options().enabled) return {};
  std::string cache_control = req.header("cache-control");
  for (auto& c : cache_control)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool no_store = cache_control.find("no-store") != std::string::npos;
  const auto& sampled = cache->options().sampled_routes;
  const bool sampled_allowed =
      !route.empty() && std::find(sampled.begin(), sampled.end(), route) != sampled.end();
  if (cache_refusal_of(request, no_store, sampled_allowed) != cache_refusal::none)
    return {cache, {}};
  return {cache, cache_key_of(request.body)};
}

}  // namespace

gateway::gateway(gateway_options options, gateway_parts parts)
    : options_(std::move(options)),
      parts_(std::move(parts)),
      id_prefix_("chatcmpl-llmopt-" + hex(static_cast<unsigned long long>(wall_clock_ms())) + "-") {
}

result<std::unique_ptr<gateway>> gateway::start(gateway_options options, gateway_parts parts) {
  std::unique_ptr<gateway> g{new gateway(std::move(options), std::move(parts))};
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
  const bool admin = path.rfind("/admin/", 0) == 0 || path == "/metrics";
  if (admin && options_.admin_token && !admin_authorized(req, *options_.admin_token) &&
      !admin_cookie_authorized(req, *options_.admin_token))
    return respond(http::error_response(
        401, "invalid_request_error",
        "the admin API needs Authorization: Bearer TOKEN with the token of admin.token",
        "invalid_admin_token"));
  auto only = [&](const char* method) {
    if (req.method == method) return true;
    respond(http::method_not_allowed(req));
    return false;
  };
  auto answer_with = [respond](nlohmann::json body) { respond(json_response(200, body)); };
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (only("POST")) chat(client_api::openai, req, std::move(respond));
  } else if (path == "/v1/messages" || path == "/messages") {
    if (only("POST")) chat(client_api::anthropic, req, std::move(respond));
  } else if (path == "/v1/models" || path == "/models") {
    if (!only("GET")) return;
    auto who = authenticate(req, *parts_.keys->current(), options_.auth_required);
    if (!who) return respond(error_answer(client_api::openai, unauthenticated(who.err())));
    respond(models());
  } else if (path == "/health/live") {
    if (only("GET")) respond(json_response(200, {{"status", "live"}}));
  } else if (path == "/health/ready") {
    if (!only("GET")) return;
    caf::anon_send(
        parts_.router, readiness_query{[respond](bool ready, std::string why_not) {
          respond(ready ? json_response(200, {{"status", "ready"}})
                        : json_response(503, {{"status", "not_ready"}, {"reason", why_not}}));
        }});
  } else if (path == "/metrics") {
    if (only("GET")) metrics(std::move(respond));
  } else if (is_dashboard_path(path)) {
    serve_dashboard(req, std::move(respond), parts_, options_.admin_token);
  } else if (path == "/admin/v1/routes") {
    if (!only("GET")) return;
    caf::anon_send(parts_.router, table_query{[respond](routing_table table) {
                     nlohmann::json routes = nlohmann::json::object();
                     for (const auto& [name, weights] : table)
                       routes[name] = weights;
                     respond(json_response(200, {{"routes", routes}}));
                   }});
  } else if (path == "/admin/v1/pipeline") {
    if (only("GET")) read_pipeline(parts_, answer_with);
  } else if (path == "/admin/v1/models") {
    if (!only("GET")) return;
    caf::anon_send(parts_.aggregator, models_query{[answer_with](nlohmann::json models) {
                     answer_with({{"models", std::move(models)}});
                   }});
  } else if (path == "/admin/v1/budgets") {
    if (!only("GET")) return;
    read_budgets(parts_, [answer_with](nlohmann::json b) {
      answer_with({{"budgets", std::move(b)}});
    });
  } else if (path == "/admin/v1/providers") {
    if (!only("GET")) return;
    read_providers(parts_, [answer_with](nlohmann::json p) {
      answer_with({{"providers", std::move(p)}});
    });
  } else if (path == "/admin/v1/cluster") {
    if (!only("GET")) return;
    if (!parts_.exchange) return answer_with({{"sharing", false}});
    caf::anon_send(parts_.exchange, cluster_query{[answer_with](nlohmann::json cluster) {
                     cluster["sharing"] = true;
                     answer_with(std::move(cluster));
                   }});
  } else if (path == "/admin/v1/breakers") {
    if (only("GET")) breakers(std::move(respond));
  } else if (path == "/admin/v1/config" || path == "/admin/v1/config/rollback") {
    configure(req, std::move(respond));
  } else if (path == "/admin/v1/cache") {
    if (!only("GET")) return;
    if (!parts_.cache) return answer_with({{"enabled", false}});
    auto* cache = parts_.cache;
    parts_.loop->post([cache, answer_with] { answer_with(cache->stats()); });
  } else {
    respond(http::error_response(404, "invalid_request_error", "no such endpoint: " + path,
                                 "not_found"));
  }
}

// The request path of one chat request, in order. (Limits, budgets and the
// cache will take their places between reading and choosing.)
void gateway::chat(client_api api, const http::request& req, http::responder respond) {
  const auto read_at = std::chrono::steady_clock::now();
  // 1. Authenticate: who sent it, before its body is read.
  auto who = authenticate(req, *parts_.keys->current(), options_.auth_required);
  if (!who) return respond(error_answer(api, unauthenticated(who.err())));
  const json_bounds bounds{options_.server.max_body_bytes, options_.max_json_depth};
  // 2. Read within bounds and check, in llmopt's own (OpenAI) shape.
  field_namer as_sent;  // errors name the client's own fields
  if (api == client_api::anthropic)
    as_sent = [&req, bounds](const std::string& field) {
      auto body = parse_bounded_json(req.body, bounds);  // once more, only to name a field
      return body ? wire::anthropic_field_of(*body, field) : field;
    };
  result<chat_request> request = error{};
  if (api == client_api::anthropic) {
    auto translated = wire::messages_request_to_chat(req.body, bounds);
    if (!translated) return respond(error_answer(api, unreadable(translated.err())));
    request = check_chat_request(std::move(*translated));
    if (!request) {
      auto e = request.err();
      e.field = as_sent(e.field);
      return respond(error_answer(api, unreadable(e)));
    }
  } else {
    request = parse_chat_request(req.body, bounds);
  }
  if (!request) return respond(error_answer(api, unreadable(request.err())));
  const std::string target = request->body["model"].get<std::string>();
  // 3. The key may use that route or model.
  if (auto denied = forbidden_target(*who, target)) return respond(error_answer(api, *denied));
  // 4. Its deadline and retry policy: the route's, or the client's deadline.
  // The configuration this request is served with, to its end.
  auto catalog = parts_.catalog->current();
  auto guarding = catalog->guarding_of(target);
  if (auto timeout = req.headers.find(timeout_header); timeout != req.headers.end()) {
    auto ms = parse_timeout(timeout->second, catalog->max_timeout_ms);
    if (!ms)
      return respond(error_answer(
          api, {400, "invalid_request_error", "invalid_header", ms.err().detail, timeout_header}));
    guarding.timeout_ms = *ms;
  }
  // 5. Choose the candidates that can serve it, by the current weights;
  // those whose breaker is open or whose provider is paused last.
  auto table = parts_.snapshot->current();
  auto held = parts_.upstream->held();
  auto plan = plan_attempts(*catalog, table.get(), *request, target, uniform_draw(), as_sent,
                            held_back{held.get(), steady_clock_ms()});
  if (!plan) return respond(error_answer(api, unplannable(plan.err())));
  plan->catalog = catalog;
  // 6. The cache's key (looked up on the loop, after the limits and before
  // the first attempt).
  auto cache = cache_ticket_for(parts_.cache, *request, req, plan->route);
  // 7. Try them: translate, call, stream, translate back, account.
  exchange_setup setup{std::move(*request),
                       api,
                       std::move(respond),
                       std::move(*plan),
                       parts_.loop,
                       parts_.reports,
                       id_prefix_ + std::to_string(next_id_.fetch_add(1)),
                       wall_clock_ms() / 1000,
                       std::move(*who),
                       parts_.guard,
                       parts_.ledger,
                       catalog->default_max_tokens,
                       parts_.upstream,
                       guarding.retry,
                       guarding.timeout_ms,
                       std::move(cache),
                       parts_.metrics,
                       read_at};
  start_exchange(std::move(setup));
}

void gateway::breakers(http::responder respond) {
  auto* upstream = parts_.upstream;
  parts_.loop->post([upstream, respond] {
    respond(json_response(
        200, {{"breakers", upstream->breakers_json(steady_clock_ms(), wall_offset_ms())}}));
  });
}

// One scrape: each document from its owner in turn (the router's counters,
// then the loop's breakers, limits, budgets and cache, then the collector's
// and the aggregator's pipeline, then the routing table, then the decision
// actor's counters), rendered once the
// last arrives, on the thread it arrives on.
void gateway::metrics(http::responder respond) {
  auto s = std::make_shared<metrics_sources>();
  auto* upstream = parts_.upstream;
  auto* guard = parts_.guard;
  auto* ledger = parts_.ledger;
  auto* cache = parts_.cache;
  const gateway_metrics* calls = parts_.metrics;
  auto router = parts_.router;
  auto decision = parts_.decision;
  const gateway_parts parts = parts_;
  auto render = [s, calls, respond] {
    static const prometheus::Registry none;
    http::response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_text(calls ? calls->registry() : none, *s, wall_clock_ms());
    respond(std::move(r));
  };
  auto read_decisions = [s, decision, render] {
    if (!decision) return render();
    caf::anon_send(decision, decisions_query{[s, render](nlohmann::json d) {
                     s->decisions = std::move(d);
                     render();
                   }});
  };
  auto read_table = [s, router, read_decisions] {
    caf::anon_send(router, table_query{[s, read_decisions](routing_table t) {
                     s->routes = std::move(t);
                     read_decisions();
                   }});
  };
  read_providers(parts, [=](nlohmann::json providers) {  // on the loop thread
    s->providers = std::move(providers);
    s->breakers = upstream->breakers_json(steady_clock_ms(), wall_offset_ms());
    s->budgets = ledger  ? ledger->budgets_json()
                 : guard ? guard->budgets_json()
                         : nlohmann::json::array();
    s->cache = cache ? cache->stats() : nlohmann::json{{"enabled", false}};
    read_pipeline(parts, [s, read_table](nlohmann::json pipeline) {
      s->pipeline = std::move(pipeline);
      read_table();
    });
  });
}

// The configuration endpoints, answered by the config actor.
void gateway::configure(const http::request& req, http::responder respond) {
  auto reply = [respond](config_outcome outcome) {
    auto [status, body] = config_outcome_json(outcome);
    respond(json_response(status, body));
  };
  if (req.path == "/admin/v1/config" && req.method == "GET")
    return caf::anon_send(parts_.config, config_query{[respond](nlohmann::json doc) {
                            respond(json_response(200, doc));
                          }});
  if (req.method != "POST") return respond(http::method_not_allowed(req));
  if (req.path == "/admin/v1/config")
    return caf::anon_send(parts_.config,
                          config_apply{req.body, "POST /admin/v1/config", std::move(reply)});
  auto body =
      parse_bounded_json(req.body, {options_.server.max_body_bytes, options_.max_json_depth});
  const nlohmann::json* id = nullptr;
  if (body && body->is_object())
    if (auto it = body->find("id"); it != body->end() && it->is_number_integer()) id = &*it;
  if (!id)
    return respond(http::error_response(400, "invalid_request_error",
                                        "id: expected the snapshot's id, as {\"id\": 3}",
                                        "invalid_request"));
  caf::anon_send(parts_.config, config_rollback{id->get<long long>(), std::move(reply)});
}

http::response gateway::models() const {
  auto data = nlohmann::json::array();
  const auto catalog = parts_.catalog->current();
  for (const auto& r : catalog->routes)
    data.push_back({{"id", r}, {"object", "model"}, {"owned_by", "llmopt"}, {"kind", "route"}});
  for (const auto& m : catalog->model_ids)
    data.push_back({{"id", m},
                    {"object", "model"},
                    {"owned_by", std::string{provider_of(m)}},
                    {"kind", "model"}});
  return json_response(200, {{"object", "list"}, {"data", data}});
}

}  // namespace llmopt
