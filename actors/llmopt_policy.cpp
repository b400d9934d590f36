#include "actors/llmopt_policy.hpp"

#include <spdlog/spdlog.h>

#include "actors/decision_options.hpp"
#include "adapters/signals/topic_kind.hpp"

namespace llmopt {
namespace {

// The router's draws for its weighted choice, apart from the scenario's.
constexpr std::uint64_t stream_router = 0x726f75746572;

}  // namespace

llmopt_policy::llmopt_policy(const settings& s, std::uint64_t seed)
    : parser_(parse_limits_of(s)),
      intake_(intake_options_of(s), catalog_of(s)),
      engine_(engine_options_of(s), s.routes, catalog_of(s), 0),
      tick_ms_(s.decision.tick_ms),
      seed_(seed) {
  for (const auto& m : s.models)
    prices_.emplace(m.spec.id, m.spec.price);
}

// The decision actor's clock: a tick every tick_ms, the first at startup.
void llmopt_policy::advance(time_ms now) {
  if (next_tick_ < 0) {
    decide(now, startup_trigger());
    next_tick_ = now + tick_ms_;
  }
  while (next_tick_ <= now) {
    decide(next_tick_, tick_trigger());
    next_tick_ += tick_ms_;
  }
}

void llmopt_policy::decide(time_ms now, const decision_trigger& trigger) {
  auto made = engine_.decide(intake_.aggregates().views(now), now, trigger);
  for (auto& d : made)
    decisions_.push_back(std::move(d));
}

// As the aggregator actor: apply, and an urgent signal triggers a decision.
void llmopt_policy::apply(signal_source source, const typed_signal& s, time_ms now) {
  if (intake_.apply(source, s, now) && is_urgent(s)) decide(now, signal_trigger(s));
}

model_key llmopt_policy::choose(const sim_request& request) {
  advance(request.now);
  const auto& route = request.route->route;
  auto w = engine_.table().find(route.name);
  if (w != engine_.table().end()) {
    const double u = uniform_draw(seed_, static_cast<std::uint64_t>(request.index), stream_router);
    auto order = w->second.attempt_order(u);
    if (!order.empty()) return order.front();
  }
  return route.candidates.front();
}

// As the router.
void llmopt_policy::on_outcome(const sim_outcome& o) {
  auto price = prices_.find(o.model);
  intake_.count_received(signal_source::router, 1);
  apply(signal_source::router,
        router_signal_of(o, price == prices_.end() ? nullptr : &price->second), o.now);
}

// As the collector: parse with the production adapters, dead-letter what
// does not parse.
void llmopt_policy::on_signal(time_ms now, const std::string& topic, const std::string& raw) {
  advance(now);
  auto kind = parse_topic_kind(topic);
  if (!kind) return;
  const auto source = source_of(*kind);
  intake_.count_received(source, 1);
  auto parsed = parser_.parse(*kind, raw);
  if (!parsed) {
    intake_.count_dead_lettered(source, 1);
    spdlog::warn("simulate: {} signal dead-lettered: {} ({})", topic, parsed.err().code,
                 parsed.err().detail);
    return;
  }
  apply(source, *parsed, now);
}

typed_signal router_signal_of(const sim_outcome& o, const model_price* list_price) {
  call_outcome c;
  c.route = o.route;
  c.status = o.failed ? call_status::error : call_status::ok;
  c.latency_ms = o.latency_ms;
  c.input_tokens = o.input_tokens;
  c.output_tokens = o.output_tokens;
  if (!o.failed) c.billed_usd = o.cost_usd;
  return router_call_signal(o.model, std::move(c), list_price, o.now);
}

signal_reader production_signal_reader() {
  auto parser = std::make_shared<signal_parser>();
  return [parser](const std::string& topic, const std::string& raw) -> std::optional<typed_signal> {
    auto kind = parse_topic_kind(topic);
    if (!kind) return std::nullopt;
    auto parsed = parser->parse(*kind, raw);
    if (!parsed) return std::nullopt;
    return std::move(*parsed);
  };
}

settings simulation_settings(const scenario& s, settings base) {
  base.routes.clear();
  for (const auto& r : s.routes)
    base.routes.push_back(r.route);
  base.models.clear();
  for (const auto& m : s.models) {
    model_settings ms;
    ms.spec.id = m.id;
    ms.spec.price = m.price;
    ms.spec.quality_prior = 0.5;
    base.models.push_back(std::move(ms));
  }
  return base;
}

}  // namespace llmopt
