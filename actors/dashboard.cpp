#include "actors/dashboard.hpp"

#include <charconv>
#include <memory>

#include <nlohmann/json.hpp>

#include "actors/admin_documents.hpp"
#include "actors/authentication.hpp"
#include "actors/messages.hpp"
#include "actors/spend_guard.hpp"
#include "actors/wall_clock.hpp"
#include "adapters/http/url_encoding.hpp"
#include "adapters/providers/bounded_json.hpp"
#include "pages/dashboard_html.hpp"

namespace llmopt {
namespace {

constexpr int dashboard_decisions = 10;
constexpr int default_decisions = 20;
constexpr int max_decisions = 100;

// A page of the dashboard: never cached, never framed, and allowed to load
// nothing but itself and to fetch only from this origin.
http::response page(int status, std::string html) {
  http::response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers = {{"Cache-Control", "no-store"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}};
  r.body = std::move(html);
  return r;
}

http::response json_answer(const nlohmann::json& body) {
  http::response r;
  r.body = dump_json(body);
  r.headers = {{"Cache-Control", "no-store"}};
  return r;
}

bool signed_in(const http::request& req, const std::optional<sha256_digest>& token) {
  return !token || admin_authorized(req, *token) || admin_cookie_authorized(req, *token);
}

// POST /ui/session.
http::response sign_in(const http::request& req, const std::optional<sha256_digest>& token) {
  http::response to_page;
  to_page.status = 303;
  to_page.content_type = "text/plain; charset=utf-8";
  to_page.headers = {{"Location", "/ui"}, {"Cache-Control", "no-store"}};
  if (!token) return to_page;
  auto presented = http::form_value(req.body, "token");
  if (!presented || presented->empty() || !same_digest(sha256_of(*presented), *token))
    return page(401, pages::dashboard_login_html(true));
  to_page.headers.emplace_back("Set-Cookie", admin_cookie_of(*token));
  return to_page;
}

// ?limit=N in [1, max_decisions]; default_decisions without one, nullopt
// for anything else.
std::optional<int> decisions_limit(const std::string& query) {
  auto text = http::query_param(query, "limit");
  if (!text) return default_decisions;
  int n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || end != text->data() + text->size() || n < 1 || n > max_decisions)
    return std::nullopt;
  return n;
}

void read_decisions(const gateway_parts& parts, int limit,
                    std::function<void(nlohmann::json)> done) {
  if (!parts.store) return done(nlohmann::json::array());
  caf::anon_send(parts.store, recent_decisions_query{limit, std::move(done)});
}

// The dashboard document: the routing table (router), the models
// (aggregator), the budgets (the loop thread), the pipeline (collector,
// aggregator), the decisions (store), in turn; answered from the thread of
// the last.
void read_dashboard(const gateway_parts& parts, http::responder respond) {
  auto in = std::make_shared<pages::dashboard_inputs>();
  auto table = std::make_shared<routing_table>();
  auto finish = [in, table, respond](nlohmann::json decisions) {
    in->decisions = std::move(decisions);
    in->routes = table.get();
    in->at = wall_clock_ms();
    respond(json_answer(pages::dashboard_document(*in)));
  };
  auto pipeline = [parts, in, finish](nlohmann::json budgets) {
    in->budgets = std::move(budgets);
    read_pipeline(parts, [parts, in, finish](nlohmann::json p) {
      in->pipeline = std::move(p);
      read_decisions(parts, dashboard_decisions, finish);
    });
  };
  auto budgets = [parts, in, pipeline](nlohmann::json models) {
    in->models = std::move(models);
    read_budgets(parts, pipeline);
  };
  auto aggregator = parts.aggregator;
  caf::anon_send(parts.router, table_query{[table, aggregator, budgets](routing_table t) {
                   *table = std::move(t);
                   caf::anon_send(aggregator, models_query{budgets});
                 }});
}

}  // namespace

bool is_dashboard_path(const std::string& path) {
  return path == "/ui" || path == "/ui/session" || path == "/admin/v1/dashboard" ||
         path == "/admin/v1/decisions";
}

void serve_dashboard(const http::request& req, http::responder respond, const gateway_parts& parts,
                     const std::optional<sha256_digest>& admin_token) {
  const auto& path = req.path;
  if (path == "/ui/session")
    return respond(req.method == "POST" ? sign_in(req, admin_token)
                                        : http::method_not_allowed(req));
  if (req.method != "GET") return respond(http::method_not_allowed(req));
  if (path == "/ui") {
    if (!signed_in(req, admin_token)) return respond(page(200, pages::dashboard_login_html(false)));
    return respond(page(200, pages::dashboard_html()));
  }
  if (path == "/admin/v1/dashboard") return read_dashboard(parts, std::move(respond));
  auto limit = decisions_limit(req.query);
  if (!limit)
    return respond(http::error_response(
        400, "invalid_request_error",
        "limit must be a whole number from 1 to " + std::to_string(max_decisions),
        "invalid_limit"));
  read_decisions(parts, *limit, [respond](nlohmann::json decisions) {
    respond(json_answer({{"decisions", std::move(decisions)}}));
  });
}

}  // namespace llmopt
