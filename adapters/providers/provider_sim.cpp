#include "adapters/providers/provider_sim.hpp"

#include <cctype>
#include <cmath>
#include <ctime>
#include <exception>

#include <spdlog/spdlog.h>

#include "adapters/http/url_encoding.hpp"
#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_state.hpp"
#include "adapters/providers/sim_stream.hpp"

namespace llmopt {
namespace {

const std::string gemini_prefix = "/v1beta/models/";

using header_list = std::vector<std::pair<std::string, std::string>>;

http::response not_allowed(const http::request& req) {
  return http::error_response(405, "invalid_request_error",
                              req.method + " is not allowed on " + req.path, "method_not_allowed");
}

// What a plain answer is, given the draw and a fault (which wins over the
// draw): the reply, a 500, a cut body, or nothing (stall).
struct plain_answer {
  http::response response;
  bool cut = false;
  bool stall = false;
};

plain_answer plain_of(const sim_api& api, const sim_answer& a, const sim_request& asked,
                      const request_draw& draw, const std::optional<sim_fault>& fault,
                      const model_key& id) {
  plain_answer p;
  auto is = [&](sim_fault_kind k) { return fault.has_value() && fault->kind == k; };
  if (is(sim_fault_kind::stall)) {
    p.stall = true;
  } else if (is(sim_fault_kind::error_event)) {
    p.response = api.error_reply(500, error{"simulated_fault", "simulated fault of " + id});
  } else if (draw.failed && !fault) {
    p.response = api.error_reply(500, error{"simulated_failure", "simulated failure of " + id});
  } else {
    p.response = api.reply(a, asked);
    p.cut = is(sim_fault_kind::cut);
  }
  return p;
}

}  // namespace

http::response sim_error(int status, const std::string& message, const std::string& code) {
  return http::error_response(status, status < 500 ? "invalid_request_error" : "server_error",
                              message, code);
}

void provider_sim::state::handle(http::request req, http::responder reply) {
  try {
    route(req, reply);
  } catch (const std::exception& e) {  // a bug or no memory: answer, never take the server down
    spdlog::error("provider-sim: {} {}: {}", req.method, req.path, e.what());
    reply(sim_error(500, "the simulator failed on this request", "internal_error"));
  }
}

void provider_sim::state::route(const http::request& req, const http::responder& reply) {
  const auto& path = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (post) return answer(sim_format::openai, req, reply, "");
  } else if (path == "/v1/messages") {
    if (post) return answer(sim_format::anthropic, req, reply, "");
  } else if (path.rfind(gemini_prefix, 0) == 0) {
    return gemini(req, reply);
  } else if (path == "/api/chat") {
    if (post) return answer(sim_format::ollama, req, reply, "");
  } else if (path == "/api/tags") {
    if (get) return reply(ollama_tags());
  } else if (path == "/api/version") {
    if (get) return reply(json_reply(200, {{"version", "0.0.0-llmopt-sim"}}));
  } else if (path == "/v1/models" || path == "/models") {
    if (get) return reply(list_models());
  } else if (path == "/health") {
    if (get) return reply(json_reply(200, {{"status", "ok"}}));
  } else if (path.rfind("/admin/models/", 0) == 0) {
    if (get || post) return reply(admin_model(req));
  } else if (path == "/admin/faults") {
    if (get || post || req.method == "DELETE") return reply(admin_faults(req));
  } else if (path == "/admin/stats") {
    if (get) return admin_stats(req, reply);
  } else {
    return reply(sim_error(404, "no route for " + path, "not_found"));
  }
  reply(not_allowed(req));
}

// /v1beta/models/{model}:{method}: the model may hold ':' itself
// ("google:gemini-2.0-flash"), so the method follows the last one.
void provider_sim::state::gemini(const http::request& req, const http::responder& reply) {
  const std::string rest = http::percent_decode(req.path.substr(gemini_prefix.size()));
  const auto colon = rest.rfind(':');
  const std::string method = colon == std::string::npos ? "" : rest.substr(colon + 1);
  if (method != "generateContent" && method != "streamGenerateContent")
    return reply(
        gemini_api().error_reply(404, error{"not_found", "method not found: " + req.path, ""}));
  if (req.method != "POST") return reply(not_allowed(req));
  answer(sim_format::gemini, req, reply, rest.substr(0, colon));
}

void provider_sim::state::answer(sim_format f, const http::request& req,
                                 const http::responder& reply, const std::string& path_model) {
  const auto arrived = std::chrono::steady_clock::now();
  const sim_api& api = api_of(f);
  auto request = std::make_shared<sim_open_request>(stats, f);
  reply.on_abandon([request] { request->abandon(); });
  auto refuse = [&](int status, const error& e) {
    reply(api.error_reply(status, e));
    request->finish();
  };
  auto body = parse_bounded_json(req.body, json_bounds{sim_max_body_bytes, sim_max_json_depth});
  if (!body)
    return refuse(
        400, bad_field(body.err().field.empty() ? "body" : body.err().field, body.err().detail));
  auto asked = api.read(req, *body, path_model);
  if (!asked) return refuse(400, asked.err());
  const auto index = table->find(asked->model);
  if (!index)
    return refuse(
        404, error{"model_not_found", "The model '" + asked->model + "' does not exist", "model"});
  http::server* srv = live.load();
  if (!srv) return refuse(503, error{"unavailable", "the simulator is starting"});

  const simulated_model model = table->get(*index);
  const std::uint64_t n = next_request.fetch_add(1);
  const request_draw draw = draw_request(model, options.seed, n);
  sim_answer a = make_answer(*asked, model, options.seed, n, options.output_tokens_mean,
                             static_cast<long long>(std::time(nullptr)));
  a.latency_ms = draw.latency_ms;
  const auto fault = faults.take(*index);
  const auto delay = std::chrono::milliseconds(std::llround(draw.latency_ms));
  const header_list headers = {{"x-sim-latency-ms", std::to_string(delay.count())},
                               {"x-sim-request-index", std::to_string(n)},
                               {"x-sim-good", draw.good ? "1" : "0"}};

  if (fault && fault->kind == sim_fault_kind::status) {  // at once, before any byte
    auto r = api.error_reply(
        fault->status, error{"simulated_fault", "simulated HTTP " + std::to_string(fault->status) +
                                                    " of " + model.id});
    r.headers = headers;
    if (fault->retry_after_s)
      r.headers.emplace_back("retry-after", std::to_string(*fault->retry_after_s));
    reply(std::move(r));
    return request->finish();
  }
  if (!asked->stream) {
    plain_answer p = plain_of(api, a, *asked, draw, fault, model.id);
    if (p.stall) return request->hold(std::make_shared<http::responder>(reply));
    p.response.headers = headers;
    return srv->post_after(delay, [reply, p = std::move(p), request]() mutable {
      if (p.cut) {
        p.response.body.resize(p.response.body.size() / 2);
        reply.stream(std::move(p.response));  // dropped at once: the connection closes mid-body
      } else {
        reply(std::move(p.response));
      }
      request->finish();
    });
  }
  const sim_pace pace = pace_of(model, draw.latency_ms, a.pieces());
  if (draw.failed && !fault) {  // a 500 when the stream would have started
    auto r = api.error_reply(500, error{"simulated_failure", "simulated failure of " + model.id});
    r.headers = headers;
    return srv->post_after(std::chrono::milliseconds(std::llround(pace.first_ms)),
                           [reply, r = std::move(r), request]() mutable {
                             reply(std::move(r));
                             request->finish();
                           });
  }
  sim_stream_setup s;
  s.server = srv;
  s.frames = api.stream(a, *asked);
  s.head.content_type = s.frames->content_type();
  s.head.headers = headers;
  s.head.headers.emplace_back("cache-control", "no-cache");
  s.pieces = a.pieces();
  s.pace = pace;
  s.fault = fault;
  s.request = request;
  s.stats = &stats;
  s.arrived = arrived;
  start_sim_stream(reply, std::move(s));
}

// -- provider_sim ----------------------------------------------------------------

result<std::unique_ptr<provider_sim>> provider_sim::start(provider_sim_options options) {
  auto table = sim_model_table::make(std::move(options.models));
  if (!table) return table.err();
  if (!(options.output_tokens_mean >= 1) || !std::isfinite(options.output_tokens_mean))
    return error{"out_of_range", "output_tokens_mean: expected a number >= 1"};
  auto s = std::make_unique<state>();
  s->options = std::move(options);
  s->table = std::move(table.value());
  http::server_options http_options;
  http_options.listen = s->options.listen;
  http_options.threads = s->options.threads;
  http_options.max_body_bytes = sim_max_body_bytes;
  http_options.thread_name = "provider-sim";
  auto started =
      http::server::start(http_options, [raw = s.get()](http::request req, http::responder reply) {
        raw->handle(std::move(req), std::move(reply));
      });
  if (!started) return started.err();
  s->server = std::move(started.value());
  s->live.store(s->server.get());
  return std::unique_ptr<provider_sim>(new provider_sim(std::move(s)));
}

provider_sim::provider_sim(std::unique_ptr<state> s) : state_(std::move(s)) {}

provider_sim::~provider_sim() {
  stop();
}

std::uint16_t provider_sim::port() const {
  return state_->server->port();
}

std::string provider_sim::base_url(sim_format format) const {
  const std::string root = "http://" + state_->server->address();
  switch (format) {
    case sim_format::openai:
    case sim_format::anthropic:
      return root + "/v1";
    case sim_format::gemini:
      return root + "/v1beta";
    case sim_format::ollama:
      return root;
  }
  return root + "/v1";
}

status provider_sim::set_behaviour(const model_key& id, const model_behaviour& b) {
  auto index = state_->table->find(id);
  if (!index) return error{"unknown_model", "no simulated model '" + id + "'"};
  return state_->table->set_behaviour(*index, b);
}

std::vector<simulated_model> provider_sim::models() const {
  return state_->table->all();
}

void provider_sim::stop() {
  state_->server->stop();
}

}  // namespace llmopt
