// provider_sim's admin API (models, faults, stats) and its model lists.

#include <charconv>
#include <optional>

#include <spdlog/spdlog.h>

#include "adapters/http/url_encoding.hpp"
#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_state.hpp"

namespace llmopt {
namespace {

using nlohmann::json;

const std::string admin_models_prefix = "/admin/models/";
constexpr long long default_wait_ms = 5000;
constexpr long long max_wait_ms = 600000;

http::response model_not_found(const std::string& name) {
  return sim_error(404, "The model '" + name + "' does not exist", "model_not_found");
}

// An admin body: a bounded parse, so that nothing a client sends can
// exhaust the stack later.
result<json> admin_body(const http::request& req) {
  return parse_bounded_json(req.body, json_bounds{sim_max_body_bytes, sim_max_json_depth});
}

// A whole non-negative integer no larger than `max`.
std::optional<long long> parse_count(const std::string& text, long long max) {
  long long n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0 || n > max)
    return std::nullopt;
  return n;
}

}  // namespace

http::response provider_sim::state::admin_model(const http::request& req) {
  const std::string name = http::percent_decode(req.path.substr(admin_models_prefix.size()));
  auto index = table->find(name);
  if (!index) return model_not_found(name);
  if (req.method == "GET") return json_reply(200, to_json(table->get(*index)));
  auto changes = admin_body(req);
  if (!changes) return sim_error(400, "request body: " + changes.err().detail, "invalid_json");
  auto updated = table->update(*index, *changes);
  if (!updated) return sim_error(400, updated.err().detail, updated.err().code);
  spdlog::info("provider-sim: {} now {}", updated->id, dump_json(to_json(*updated)));
  return json_reply(200, to_json(*updated));
}

http::response provider_sim::state::admin_faults(const http::request& req) {
  if (req.method == "DELETE") return json_reply(200, {{"cleared", faults.clear()}});
  if (req.method == "POST") {
    auto body = admin_body(req);
    if (!body) return sim_error(400, "request body: " + body.err().detail, "invalid_json");
    auto fault = parse_fault(*body, *table);
    if (!fault)
      return sim_error(fault.err().code == "unknown_model" ? 404 : 400, fault.err().detail,
                       fault.err().code);
    spdlog::info("provider-sim: fault {}", dump_json(to_json(*fault)));
    faults.add(std::move(*fault));
  }
  return json_reply(200, {{"faults", faults.to_json()}});
}

// ?until_open=N (open equals N) or ?until_held_back=N (at least N), with
// &timeout_ms=T (default 5000): answers when the count is reached.
void provider_sim::state::admin_stats(const http::request& req, const http::responder& reply) {
  auto what = sim_stats::counter::open;
  auto until = http::query_param(req.query, "until_open");
  if (!until) {
    what = sim_stats::counter::held_back;
    until = http::query_param(req.query, "until_held_back");
  }
  if (!until) return reply(json_reply(200, stats.snapshot()));
  const auto value = parse_count(*until, 1LL << 40);
  if (!value)
    return reply(
        sim_error(400, "until_open, until_held_back: expected an integer >= 0", "bad_query"));
  auto wait_ms = std::optional<long long>(default_wait_ms);
  if (const auto timeout = http::query_param(req.query, "timeout_ms"))
    wait_ms = parse_count(*timeout, max_wait_ms);
  if (!wait_ms)
    return reply(sim_error(400, "timeout_ms: expected an integer in [0, 600000]", "bad_query"));
  http::server* srv = live.load();
  if (!srv) return reply(sim_error(503, "the simulator is starting", "unavailable"));
  stats.await(what, *value, std::chrono::milliseconds(*wait_ms), reply, *srv);
}

http::response provider_sim::state::list_models() const {
  auto data = json::array();
  for (const auto& m : table->all())
    data.push_back({{"id", m.id},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", std::string(provider_of(m.id))}});
  return json_reply(200, {{"object", "list"}, {"data", data}});
}

http::response provider_sim::state::ollama_tags() const {
  auto models = json::array();
  for (const auto& m : table->all())
    models.push_back(
        {{"name", m.id},
         {"model", m.id},
         {"modified_at", "1970-01-01T00:00:00Z"},
         {"size", 0},
         {"digest", "sim"},
         {"details", {{"format", "sim"}, {"family", std::string(provider_of(m.id))}}}});
  return json_reply(200, {{"models", models}});
}

}  // namespace llmopt
