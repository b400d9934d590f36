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

}  // namespace llmopt
