#include "adapters/providers/provider_sim.hpp"

#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "adapters/http/server.hpp"
#include "adapters/providers/sim_completion.hpp"
#include "adapters/providers/sim_model_table.hpp"

namespace llmopt {
namespace {

constexpr std::size_t sim_max_body_bytes = 4u << 20;
const std::string admin_prefix = "/admin/models/";

http::response json_response(int status, const nlohmann::json& body) {
  http::response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

http::response bad_request(const std::string& message, const std::string& code) {
  return http::error_response(400, "invalid_request_error", message, code);
}

http::response model_not_found(const std::string& name) {
  return http::error_response(404, "invalid_request_error",
                              "The model '" + name + "' does not exist", "model_not_found");
}

// "%3A" → ':'; an invalid escape is kept as is.
std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

struct provider_sim::state {
  provider_sim_options options;
  std::unique_ptr<sim_model_table> table;
  std::atomic<std::uint64_t> next_request{0};
  std::unique_ptr<http::server> server;
  // `server` for handlers: null until start() has it (a request can only
  // arrive before that if a client guessed the port).
  std::atomic<http::server*> live{nullptr};

  // Runs on a server I/O thread.
  void handle(http::request req, http::responder reply);
  void chat(const http::request& req, http::responder reply);
  http::response admin(const http::request& req);
  http::response list_models() const;
};

void provider_sim::state::handle(http::request req, http::responder reply) {
  const auto& path = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (post) return chat(req, std::move(reply));
  } else if (path == "/v1/models" || path == "/models") {
    if (get) return reply(list_models());
  } else if (path == "/health") {
    if (get) return reply(json_response(200, {{"status", "ok"}}));
  } else if (path.rfind(admin_prefix, 0) == 0) {
    if (get || post) return reply(admin(req));
  } else {
    return reply(
        http::error_response(404, "invalid_request_error", "no route for " + path, "not_found"));
  }
  reply(http::error_response(405, "invalid_request_error",
                             req.method + " is not allowed on " + path, "method_not_allowed"));
}

void provider_sim::state::chat(const http::request& req, http::responder reply) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return reply(bad_request("request body is not a JSON object", "invalid_json"));
  auto model_it = body.find("model");
  if (model_it == body.end() || !model_it->is_string())
    return reply(bad_request("you must provide a model parameter", "missing_model"));
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array())
    return reply(bad_request("'messages' is a required array", "missing_messages"));
  http::server* srv = live.load();
  if (!srv) return reply(http::error_response(503, "server_error", "starting", "unavailable"));
  const std::string name = model_it->get<std::string>();
  auto index = table->find(name);
  if (!index) return reply(model_not_found(name));

  const simulated_model model = table->get(*index);
  const std::uint64_t n = next_request.fetch_add(1);
  const request_draw draw = draw_request(model, options.seed, n);
  const auto delay = std::chrono::milliseconds(std::llround(draw.latency_ms));

  http::response r;
  if (draw.failed) {
    r = http::error_response(500, "server_error", "simulated failure of " + model.id,
                             "simulated_failure");
  } else {
    sim_completion c;
    c.model = name;
    c.request_index = n;
    c.prompt_tokens = estimate_prompt_tokens(*messages);
    c.completion_tokens = draw_completion_tokens(options.seed, n, options.output_tokens_mean,
                                                 requested_max_tokens(body));
    c.created_s = static_cast<long long>(std::time(nullptr));
    r = json_response(200, make_completion(c));
  }
  r.headers = {{"x-sim-latency-ms", std::to_string(delay.count())},
               {"x-sim-request-index", std::to_string(n)},
               {"x-sim-good", draw.good ? "1" : "0"}};
  srv->post_after(delay,
                  [reply = std::move(reply), r = std::move(r)]() mutable { reply(std::move(r)); });
}

http::response provider_sim::state::admin(const http::request& req) {
  const std::string name = percent_decode(req.path.substr(admin_prefix.size()));
  auto index = table->find(name);
  if (!index) return model_not_found(name);
  if (req.method == "GET") return json_response(200, to_json(table->get(*index)));
  auto changes = nlohmann::json::parse(req.body, nullptr, false);
  if (changes.is_discarded()) return bad_request("request body is not JSON", "invalid_json");
  auto updated = table->update(*index, changes);
  if (!updated) return bad_request(updated.err().detail, updated.err().code);
  spdlog::info("provider-sim: {} now {}", updated->id, to_json(*updated).dump());
  return json_response(200, to_json(*updated));
}

http::response provider_sim::state::list_models() const {
  auto data = nlohmann::json::array();
  for (const auto& m : table->all())
    data.push_back({{"id", m.id},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", std::string(provider_of(m.id))}});
  return json_response(200, {{"object", "list"}, {"data", data}});
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

std::string provider_sim::base_url() const {
  return "http://" + state_->server->address() + "/v1";
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
