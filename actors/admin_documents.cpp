#include "actors/admin_documents.hpp"

#include "actors/messages.hpp"
#include "actors/shared_ledger.hpp"
#include "actors/spend_guard.hpp"
#include "actors/upstream_guard.hpp"
#include "actors/wall_clock.hpp"

namespace llmopt {

void read_pipeline(const gateway_parts& parts, std::function<void(nlohmann::json)> done) {
  auto aggregator = parts.aggregator;
  caf::anon_send(parts.collector, pipeline_query{[aggregator, done](nlohmann::json collector) {
                   caf::anon_send(aggregator,
                                  pipeline_query{[collector, done](nlohmann::json counters) {
                                    counters["collector"] = collector;
                                    done(std::move(counters));
                                  }});
                 }});
}

void read_providers(const gateway_parts& parts, std::function<void(nlohmann::json)> done) {
  auto* loop = parts.loop;
  auto* upstream = parts.upstream;
  caf::anon_send(parts.router, providers_query{[loop, upstream, done](nlohmann::json counters) {
                   loop->post([upstream, done, counters = std::move(counters)]() mutable {
                     auto limits = upstream->providers_json(steady_clock_ms(), wall_offset_ms());
                     for (auto& [name, l] : limits.items())
                       counters[name]["limits"] = std::move(l);
                     done(std::move(counters));
                   });
                 }});
}

void read_budgets(const gateway_parts& parts, std::function<void(nlohmann::json)> done) {
  if (!parts.guard) return done(nlohmann::json::array());
  auto* guard = parts.guard;
  auto* ledger = parts.ledger;
  parts.loop->post(
      [guard, ledger, done] { done(ledger ? ledger->budgets_json() : guard->budgets_json()); });
}

}  // namespace llmopt
