#include "decision/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace llmopt {
namespace {

error bad(const std::string& where, const std::string& what) {
  return error{"bad_scenario", where + ": " + what};
}

// Reads the number at `key` of `obj`: required unless `fallback` is given,
// within [lo, hi].
result<double> number_at(const nlohmann::json& obj, const std::string& path, const char* key,
                         double lo, double hi, std::optional<double> fallback = std::nullopt) {
  const std::string where = path.empty() ? key : path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(where, "missing");
  }
  if (!it->is_number()) return bad(where, "expected a number");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    return bad(where, "expected a number in [" + nlohmann::json(lo).dump() + ", " +
                          nlohmann::json(hi).dump() + "]");
  return v;
}

result<std::string> text_at(const nlohmann::json& obj, const std::string& path, const char* key,
                            bool required) {
  const std::string where = path.empty() ? key : path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return bad(where, "missing");
    return std::string{};
  }
  if (!it->is_string() || (required && it->get<std::string>().empty()))
    return bad(where, "expected a non-empty string");
  return it->get<std::string>();
}

result<scenario_route> parse_route(const nlohmann::json& r, const std::string& where,
                                   const scenario& s) {
  if (!r.is_object()) return bad(where, "expected an object");
  scenario_route out;
  auto name = text_at(r, where, "name", true);
  if (!name) return name.err();
  out.route.name = *name;
  auto share = number_at(r, where, "share", 0, 1);
  if (!share) return share.err();
  out.share = *share;
  auto candidates = r.find("candidates");
  if (candidates == r.end() || !candidates->is_array() || candidates->empty())
    return bad(where + ".candidates", "expected a non-empty array of model ids");
  for (std::size_t i = 0; i < candidates->size(); ++i) {
    const auto& c = (*candidates)[i];
    const std::string cw = where + ".candidates[" + std::to_string(i) + "]";
    if (!c.is_string()) return bad(cw, "expected a model id");
    if (!s.model(c.get<std::string>()))
      return bad(cw, "unknown model '" + c.get<std::string>() + "'");
    out.route.candidates.push_back(c.get<std::string>());
  }
  auto objective = r.find("objective");
  if (objective == r.end() || !objective->is_object())
    return bad(where + ".objective", "expected an object {quality, cost, latency}");
  const std::string ow = where + ".objective";
  auto q = number_at(*objective, ow, "quality", 0, 1e6, 0.0);
  auto c = number_at(*objective, ow, "cost", 0, 1e6, 0.0);
  auto l = number_at(*objective, ow, "latency", 0, 1e6, 0.0);
  for (const auto* x : {&q, &c, &l})
    if (!*x) return x->err();
  out.route.weights = {*q, *c, *l};
  if (*q + *c + *l <= 0) return bad(ow, "expected weights with a sum > 0");
  auto cost_ref = number_at(r, where, "cost_ref_usd", 1e-12, 1e6);
  auto latency_ref = number_at(r, where, "latency_ref_ms", 1e-9, 1e9);
  if (!cost_ref) return cost_ref.err();
  if (!latency_ref) return latency_ref.err();
  out.route.cost_ref_usd = *cost_ref;
  out.route.latency_ref_ms = *latency_ref;
  auto latency_slo = number_at(r, where, "latency_slo_ms", 0, 1e9, 0.0);
  if (!latency_slo) return latency_slo.err();
  out.route.latency_slo_ms = *latency_slo;
  return out;
}

result<scenario_event> parse_event(const nlohmann::json& e, const std::string& where,
                                   const scenario& s) {
  if (!e.is_object()) return bad(where, "expected an object");
  scenario_event out;
  auto at = number_at(e, where, "at_s", 0, s.duration_s);
  if (!at) return at.err();
  out.at_s = *at;
  const bool has_set = e.contains("set"), has_emit = e.contains("emit");
  if (has_set == has_emit) return bad(where, "expected exactly one of set or emit");
  if (has_set) {
    auto model = text_at(e, where, "model", true);
    if (!model) return model.err();
    const simulated_model* m = s.model(*model);
    if (!m) return bad(where + ".model", "unknown model '" + *model + "'");
    if (auto changed = with_changes(*m, e["set"]); !changed)
      return bad(where + ".set", changed.err().detail);
    out.model = *model;
    out.set = e["set"];
    out.label = *model;
    for (const auto& [key, value] : out.set.items())
      out.label += " " + key + "=" + value.dump();
    return out;
  }
  const auto& emit = e["emit"];
  if (!emit.is_object()) return bad(where + ".emit", "expected an object {topic, value}");
  auto topic = text_at(emit, where + ".emit", "topic", true);
  if (!topic) return topic.err();
  static const std::set<std::string> topics = {"cost", "latency", "sentinel", "shield",
                                               "observatory"};
  if (!topics.count(*topic))
    return bad(where + ".emit.topic",
               "expected cost, latency, sentinel, shield or observatory, got '" + *topic + "'");
  auto value = emit.find("value");
  if (value == emit.end() || !value->is_object())
    return bad(where + ".emit.value", "expected the raw signal as an object");
  out.topic = *topic;
  out.emit = *value;
  out.label = *topic + " signal";
  for (const char* key : {"type", "reason", "action"})
    if (auto it = value->find(key); it != value->end() && it->is_string())
      out.label += " " + it->get<std::string>();
  for (const char* key : {"modelId", "model_id"})
    if (auto it = value->find(key); it != value->end() && it->is_string())
      out.label += " " + it->get<std::string>();
  return out;
}

}  // namespace

long long scenario::request_count() const {
  return static_cast<long long>(std::floor(duration_s * requests_per_s + 1e-9));
}

const simulated_model* scenario::model(const model_key& id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

result<scenario> parse_scenario(const nlohmann::json& j) {
  if (!j.is_object()) return bad("scenario", "expected a JSON object");
  scenario s;
  auto name = text_at(j, "", "name", true);
  if (!name) return name.err();
  s.name = *name;
  auto description = text_at(j, "", "description", false);
  if (!description) return description.err();
  s.description = *description;
  auto seed = j.find("seed");
  if (seed == j.end() || !seed->is_number_integer() || seed->get<long long>() < 0)
    return bad("seed", "expected an integer >= 0");
  s.seed = seed->get<std::uint64_t>();
  auto duration = number_at(j, "", "duration_s", 1, 86400 * 7);
  auto rps = number_at(j, "", "requests_per_s", 0.01, 10000);
  auto feedback = number_at(j, "", "feedback_fraction", 0, 1, 0.0);
  auto profile_every = number_at(j, "", "latency_profile_every_s", 0, 86400, 0.0);
  for (const auto* x : {&duration, &rps, &feedback, &profile_every})
    if (!*x) return x->err();
  s.duration_s = *duration;
  s.requests_per_s = *rps;
  s.feedback_fraction = *feedback;
  s.latency_profile_every_s = *profile_every;
  if (s.request_count() > 10'000'000)
    return bad("requests_per_s", "duration_s x requests_per_s above 10,000,000 requests");
  auto tokens = j.find("tokens");
  if (tokens == j.end() || !tokens->is_object())
    return bad("tokens", "expected an object {input_mean, output_mean}");
  auto in = number_at(*tokens, "tokens", "input_mean", 1, 1e7);
  auto out = number_at(*tokens, "tokens", "output_mean", 1, 1e7);
  if (!in) return in.err();
  if (!out) return out.err();
  s.input_tokens_mean = *in;
  s.output_tokens_mean = *out;

  auto models = parse_simulated_models(j.contains("models") ? j["models"] : nlohmann::json());
  if (!models) return error{"bad_scenario", models.err().detail};
  s.models = std::move(*models);
  std::set<model_key> ids;
  for (std::size_t i = 0; i < s.models.size(); ++i)
    if (!ids.insert(s.models[i].id).second)
      return bad("models[" + std::to_string(i) + "].id", "duplicate id '" + s.models[i].id + "'");

  auto routes = j.find("routes");
  if (routes == j.end() || !routes->is_array() || routes->empty())
    return bad("routes", "expected a non-empty array");
  double shares = 0;
  std::set<std::string> names;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    const std::string where = "routes[" + std::to_string(i) + "]";
    auto r = parse_route((*routes)[i], where, s);
    if (!r) return r.err();
    if (!names.insert(r->route.name).second)
      return bad(where + ".name", "duplicate route '" + r->route.name + "'");
    shares += r->share;
    s.routes.push_back(std::move(*r));
  }
  if (std::fabs(shares - 1) > 1e-6) return bad("routes", "shares must sum to 1");

  if (auto events = j.find("events"); events != j.end()) {
    if (!events->is_array()) return bad("events", "expected an array");
    for (std::size_t i = 0; i < events->size(); ++i) {
      auto e = parse_event((*events)[i], "events[" + std::to_string(i) + "]", s);
      if (!e) return e.err();
      s.events.push_back(std::move(*e));
    }
  }
  std::stable_sort(
      s.events.begin(), s.events.end(),
      [](const scenario_event& a, const scenario_event& b) { return a.at_s < b.at_s; });
  return s;
}

result<scenario> load_scenario(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error{"scenario", path + ": cannot read the file"};
  std::ostringstream text;
  text << f.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return error{"scenario", path + ": not valid JSON"};
  auto s = parse_scenario(j);
  if (!s) return error{"scenario", path + ": " + s.err().detail};
  return s;
}

}  // namespace llmopt
