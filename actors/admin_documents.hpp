#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "actors/gateway.hpp"

namespace llmopt {

// Documents of the admin API read from the actors that own their data, for
// the endpoints that serve them whole and for pages made of several
// (GET /metrics, the dashboard). Free of the gateway: a reply may arrive
// after it is gone. `done` runs on the thread of the last actor asked.

// GET /admin/v1/pipeline: the collector's state (as "collector"), then the
// aggregator's counters, in one document.
void read_pipeline(const gateway_parts& parts, std::function<void(nlohmann::json)> done);

// GET /admin/v1/providers: the router's counters per provider key, with the
// limits and pauses the loop thread holds as "limits". `done` runs on the
// loop thread, where the breakers, budgets and cache may be read too.
void read_providers(const gateway_parts& parts, std::function<void(nlohmann::json)> done);

// GET /admin/v1/budgets: every budget in use, read on the loop thread (its
// owner); an empty array without a spend guard.
void read_budgets(const gateway_parts& parts, std::function<void(nlohmann::json)> done);

}  // namespace llmopt
