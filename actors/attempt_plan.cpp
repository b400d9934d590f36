#include "actors/attempt_plan.hpp"

#include <algorithm>

namespace llmopt {
namespace {

// A capability a request needs, and how a message names it.
struct need {
  bool wanted;
  const char* feature;  // as config's capabilities list names it
  const char* field;    // the request field that asks for it
  const char* because;  // the request ...
};

// Why the declared model cannot serve the request, or nothing.
std::optional<error> lacks_capability(const serving_catalog::model_entry& entry,
                                      const chat_request& request) {
  const auto& n = request.needs;
  const need needs[] = {
      {n.streaming, "streaming", "stream", "asks to stream"},
      {n.tools, "tools", "tools", "offers tools"},
      {n.vision, "vision", "messages", "has an image"},
      {n.json_schema, "json_schema", "response_format", "asks for a JSON schema"},
  };
  for (const auto& x : needs)
    if (x.wanted && !entry.capabilities.has(x.feature))
      return error{"capability_missing",
                   std::string("lacks ") + x.feature + " (the request " + x.because + ")", x.field};
  const long long window = entry.capabilities.context_window;
  if (window > 0 && n.context_tokens > window)
    return error{"capability_missing",
                 "has a context window of " + std::to_string(window) +
                     " tokens (the request needs about " + std::to_string(n.context_tokens) +
                     " with its max_tokens)",
                 "messages"};
  return std::nullopt;
}

// The attempt at `model`, or why it cannot serve the request.
result<planned_attempt> attempt_at(const serving_catalog& catalog, const model_key& model,
                                   const chat_request& request, const field_namer& name) {
  auto provider = catalog.providers.find(std::string(provider_of(model)));
  if (provider == catalog.providers.end())
    return error{"model_not_found",
                 "no provider '" + std::string(provider_of(model)) + "' is configured", "model"};
  // Only declared models: a name the config does not know would otherwise
  // grow the statistics (checkpointed and scored on every tick) per name.
  const auto* entry = catalog.find(model);
  if (!entry)
    return error{"model_not_found", "model '" + model + "' is not declared in the config", "model"};
  if (auto lack = lacks_capability(*entry, request)) {
    lack->field = name(lack->field);
    return *lack;
  }
  auto native = provider->second->translate(request, std::string(model_name_of(model)));
  if (!native) {
    const std::string field = name(native.err().field);
    return error{"unsupported_parameter", "cannot take '" + field + "': " + native.err().detail,
                 field};
  }
  planned_attempt a;
  a.model = model;
  a.client = provider->second.get();
  a.price = &entry->price;
  a.native = std::move(*native);
  return a;
}

error none_can_serve(const std::string& what, const std::vector<std::pair<model_key, error>>& why) {
  std::string detail = "no candidate of " + what + " can serve this request:";
  for (std::size_t i = 0; i < why.size(); ++i)
    detail += (i ? "; " : " ") + why[i].first + " " + why[i].second.detail;
  return error{why.front().second.code, detail, why.front().second.field};
}

result<attempt_plan> plan_route(const serving_catalog& catalog, const routing_table* table,
                                const chat_request& request, const std::string& route, double u,
                                const field_namer& name, const held_back& held) {
  const route_weights* weights = nullptr;
  if (table)
    if (auto it = table->find(route); it != table->end()) weights = &it->second;
  if (!weights) {
    const bool known =
        std::find(catalog.routes.begin(), catalog.routes.end(), route) != catalog.routes.end();
    if (!known) return error{"model_not_found", "unknown route '" + route + "'", "model"};
    return error{"no_routing_table", "route '" + route + "' has no routing weights yet", "model"};
  }
  // Every candidate the weights allow is checked (and translated) once.
  std::map<model_key, planned_attempt> ready;
  std::vector<std::pair<model_key, error>> refused;
  for (const auto& [model, weight] : weights->weights) {
    if (weight <= 0) continue;
    auto attempt = attempt_at(catalog, model, request, name);
    if (attempt)
      ready.emplace(model, std::move(*attempt));
    else
      refused.emplace_back(model, attempt.err());
  }
  if (ready.empty()) {
    if (refused.empty())
      return error{"no_candidate", "every candidate of route '" + route + "' is excluded", "model"};
    return none_can_serve("route '" + route + "'", refused);
  }
  attempt_plan plan;
  plan.route = route;
  plan.decision_id = weights->decision_id;
  plan.max_attempts = catalog.max_attempts;
  auto order = weights->attempt_order(
      u, [&](const model_key& m) { return ready.count(m) > 0 && !held.holds(m); });
  for (auto& model : weights->attempt_order(
           u, [&](const model_key& m) { return ready.count(m) > 0 && held.holds(m); }))
    order.push_back(std::move(model));
  for (const auto& model : order)
    plan.attempts.push_back(std::move(ready.at(model)));
  return plan;
}

}  // namespace

bool held_back::holds(const model_key& m) const {
  if (!models) return false;
  auto it = models->find(m);
  return it != models->end() && it->second > now_ms;
}

const request_guarding& serving_catalog::guarding_of(const std::string& target) const {
  auto it = route_guarding.find(target);
  return it == route_guarding.end() ? guarding : it->second;
}

const serving_catalog::model_entry* serving_catalog::find(const model_key& m) const {
  auto it = models.find(m);
  return it == models.end() ? nullptr : &it->second;
}

result<attempt_plan> plan_attempts(const serving_catalog& catalog, const routing_table* table,
                                   const chat_request& request, const std::string& target, double u,
                                   const field_namer& field_name, held_back held) {
  const field_namer name = field_name ? field_name : [](const std::string& f) { return f; };
  if (target.find(':') == std::string::npos)
    return plan_route(catalog, table, request, target, u, name, held);
  auto attempt = attempt_at(catalog, target, request, name);
  if (!attempt) {
    if (attempt.err().code == "model_not_found") return attempt.err();
    return none_can_serve("'" + target + "'", {{target, attempt.err()}});
  }
  attempt_plan plan;
  plan.attempts.push_back(std::move(*attempt));
  plan.max_attempts = catalog.max_attempts;
  return plan;
}

}  // namespace llmopt
