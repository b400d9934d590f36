// The `llmopt` simulation policy is the daemon's decision path, not a copy
// of it: the same signals, fed at the same (virtual) times to the daemon's
// aggregator and decision actors and to the simulator's llmopt_policy, give
// the same routing table at every request, and the router ends up holding it.
//
// Real parts: the aggregator, decision, store (a SQLite file) and router
// actors, the production signal parser. The simulator runs a scenario with
// outages, a policy block, a drift, a price change in cost telemetry and an
// anomaly raised and resolved; a recording policy wraps llmopt_policy and
// keeps everything it was given, which is then replayed into the actors.

#include <catch2/catch.hpp>

#include <atomic>
#include <variant>

#include "actors/aggregator_actor.hpp"
#include "actors/decision_actor.hpp"
#include "actors/decision_options.hpp"
#include "actors/llmopt_policy.hpp"
#include "actors/messages.hpp"
#include "actors/router_actor.hpp"
#include "actors/store_actor.hpp"
#include "adapters/signals/topic_kind.hpp"
#include "config/loader.hpp"
#include "store/migrations.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt;

namespace {

const char* scenario_json = R"({
  "name": "equivalence", "seed": 5, "duration_s": 60, "requests_per_s": 10,
  "tokens": {"input_mean": 800, "output_mean": 300},
  "feedback_fraction": 0.5, "latency_profile_every_s": 15,
  "routes": [
    {"name": "eu", "share": 0.5,
     "candidates": ["openai:gpt-4o", "anthropic:claude-3-5-sonnet", "openai:gpt-4o-mini"],
     "objective": {"quality": 0.6, "cost": 0.2, "latency": 0.2},
     "cost_ref_usd": 0.01, "latency_ref_ms": 5000},
    {"name": "us", "share": 0.5,
     "candidates": ["openai:gpt-4o", "anthropic:claude-3-5-sonnet", "openai:gpt-4o-mini"],
     "objective": {"quality": 0.4, "cost": 0.5, "latency": 0.1},
     "cost_ref_usd": 0.008, "latency_ref_ms": 5000}
  ],
  "models": [
    {"id": "openai:gpt-4o-mini", "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6,
     "latency_ms": {"median": 600, "p95": 1200}, "error_rate": 0.01, "quality": 0.7},
    {"id": "openai:gpt-4o", "price_in_per_mtok": 2.5, "price_out_per_mtok": 10.0,
     "latency_ms": {"median": 900, "p95": 1800}, "error_rate": 0.01, "quality": 0.86},
    {"id": "anthropic:claude-3-5-sonnet", "price_in_per_mtok": 3.0, "price_out_per_mtok": 15.0,
     "latency_ms": {"median": 1100, "p95": 2300}, "error_rate": 0.01, "quality": 0.9}
  ],
  "events": [
    {"at_s": 12, "model": "openai:gpt-4o-mini", "set": {"error_rate": 1.0}},
    {"at_s": 20, "emit": {"topic": "shield", "value": {"eventId": "pb-1",
      "timestamp": "2026-11-21T00:00:20Z", "requestId": "r-1", "policyId": "pol-eu",
      "policyName": "EU residency", "reason": "geo_restriction", "severity": "high",
      "modelId": "gpt-4o", "provider": "openai", "action": "block",
      "metadata": {"route": "eu"}}}},
    {"at_s": 26, "model": "openai:gpt-4o-mini", "set": {"error_rate": 0.01}},
    {"at_s": 30, "emit": {"topic": "sentinel", "value": {"driftId": "d-1",
      "detectedAt": "2026-11-21T00:00:30Z", "type": "quality_drift",
      "modelId": "claude-3-5-sonnet", "provider": "anthropic", "magnitude": 0.4,
      "pValue": 0.001, "confidence": 0.9,
      "baselinePeriod": {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"},
      "observationPeriod": {"start": "2026-11-21T00:00:00Z", "end": "2026-11-21T00:00:30Z"},
      "affectedMetrics": ["quality_score"]}}},
    {"at_s": 36, "emit": {"topic": "cost", "value": {"eventId": "c-1",
      "timestamp": "2026-11-21T00:00:36Z", "modelId": "claude-3-5-sonnet",
      "provider": "anthropic", "inputTokens": 800, "outputTokens": 300, "costUsd": 0.00138}}},
    {"at_s": 42, "emit": {"topic": "sentinel", "value": {"anomalyId": "a-1",
      "detectedAt": "2026-11-21T00:00:42Z", "type": "availability_issue", "severity": "critical",
      "modelId": "gpt-4o-mini", "provider": "openai", "metric": "error_rate",
      "observedValue": 0.9, "expectedValue": 0.01, "threshold": 0.1,
      "deviationPercent": 8900, "isActive": true}}},
    {"at_s": 50, "emit": {"topic": "sentinel", "value": {"anomalyId": "a-1",
      "detectedAt": "2026-11-21T00:00:50Z", "type": "availability_issue", "severity": "critical",
      "modelId": "gpt-4o-mini", "provider": "openai", "metric": "error_rate",
      "observedValue": 0.01, "expectedValue": 0.01, "threshold": 0.1,
      "deviationPercent": 0, "isActive": false}}}
  ]
})";

struct chosen {
  time_ms now;
  routing_table table;  // the policy's, right after it chose
};
struct raw_signal {
  time_ms now;
  std::string topic;
  std::string raw;
};
using step = std::variant<chosen, raw_signal, sim_outcome>;

// llmopt_policy, keeping everything it was given and its table after every
// choice.
class recording_policy : public sim_policy {
 public:
  recording_policy(const settings& s, std::uint64_t seed) : inner_(s, seed) {}
  model_key choose(const sim_request& r) override {
    auto m = inner_.choose(r);
    steps.push_back(chosen{r.now, inner_.table()});
    return m;
  }
  void on_outcome(const sim_outcome& o) override {
    steps.push_back(o);
    inner_.on_outcome(o);
  }
  void on_signal(time_ms now, const std::string& topic, const std::string& raw) override {
    steps.push_back(raw_signal{now, topic, raw});
    inner_.on_signal(now, topic, raw);
  }
  std::vector<step> steps;

 private:
  llmopt_policy inner_;
};

bool same_table(const routing_table& a, const routing_table& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [route, w] : a) {
    auto other = b.find(route);
    if (other == b.end() || other->second.decision_id != w.decision_id ||
        other->second.weights != w.weights)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the same signals through the daemon's actors and the simulator give the same table",
          "[simulation]") {
  auto parsed = parse_scenario(nlohmann::json::parse(scenario_json));
  REQUIRE(parsed);
  const scenario s = *parsed;
  const settings cfg = simulation_settings(s, default_settings());

  // The simulator's run, recorded.
  sim_world world(s);
  std::vector<named_policy> policies;
  auto recorder = std::make_unique<recording_policy>(cfg, s.seed);
  auto* record = recorder.get();
  policies.push_back({"llmopt", std::move(recorder)});
  signal_reader reader = production_signal_reader();
  run_simulation(world, policies, reader, {});
  REQUIRE(record->steps.size() > 600);

  // The daemon's actors, on a clock the test sets.
  test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  REQUIRE(migrate(*db));
  auto shared_db = std::make_shared<database>(std::move(*db));
  auto clock_ms = std::make_shared<std::atomic<time_ms>>(simulation_epoch_ms);
  auto clock = [clock_ms] { return clock_ms->load(); };

  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{sys_cfg};
  auto store = sys.spawn<caf::detached>(store_actor, shared_db);
  aggregator_actor_config agg;
  agg.intake = intake_options_of(cfg);
  agg.catalog = catalog_of(cfg);
  agg.checkpoint_interval = std::chrono::hours(1);
  agg.store = store;
  agg.clock = clock;
  auto aggregator = sys.spawn(aggregator_actor, agg);
  auto snapshot = std::make_shared<routing_snapshot>();
  auto router = sys.spawn(router_actor, router_config{snapshot});
  decision_actor_config dc;
  dc.tick = std::chrono::hours(1);  // the test ticks, on virtual time
  dc.aggregator = aggregator;
  dc.store = store;
  dc.router = router;
  dc.clock = clock;
  auto engine =
      std::make_shared<decision_engine>(engine_options_of(cfg), cfg.routes, catalog_of(cfg), 0);
  auto decision = sys.spawn(decision_actor, engine, dc);
  caf::anon_send(aggregator, peers_atom::value, decision, caf::actor{});

  caf::scoped_actor self{sys};
  routing_table actors_table;
  auto rescore = [&](const decision_trigger& trigger) {
    self->request(decision, caf::infinite, rescore_atom::value, trigger)
        .receive([&](const routing_table& t) { actors_table = t; },
                 [&](const caf::error& e) { FAIL("rescore: " << caf::to_string(e)); });
  };
  rescore(rescore_trigger("sync"));  // after the actor's own startup decision, at the epoch

  const time_ms tick_ms = cfg.decision.tick_ms;
  time_ms next_tick = simulation_epoch_ms + tick_ms;
  auto ticks_until = [&](time_ms now) {
    for (; next_tick <= now; next_tick += tick_ms) {
      clock_ms->store(next_tick);
      rescore(tick_trigger());
    }
    clock_ms->store(now);
  };
  std::unordered_map<model_key, model_price> prices;
  for (const auto& m : cfg.models)
    prices.emplace(m.spec.id, m.spec.price);
  signal_parser collector_parser;

  long long compared = 0, differing = 0, urgent = 0;
  for (const auto& st : record->steps) {
    if (auto* c = std::get_if<chosen>(&st)) {
      ticks_until(c->now);
      ++compared;
      if (!same_table(c->table, actors_table)) ++differing;
    } else if (auto* o = std::get_if<sim_outcome>(&st)) {
      ticks_until(o->now);
      // As the gateway's call_reports sends it. Awaited: the aggregator
      // stamps the signal with its clock, which the next tick moves on.
      signal_batch call;
      call.received[static_cast<std::size_t>(signal_source::router)] = 1;
      call.signals.push_back({signal_source::router, router_signal_of(*o, &prices.at(o->model))});
      self->request(aggregator, caf::infinite, std::move(call))
          .receive([](long long) {},
                   [&](const caf::error& e) { FAIL("outcome: " << caf::to_string(e)); });
    } else {
      const auto& r = std::get<raw_signal>(st);
      ticks_until(r.now);
      auto kind = parse_topic_kind(r.topic);
      REQUIRE(kind);
      auto signal = collector_parser.parse(*kind, r.raw);
      REQUIRE(signal);  // the scenario's signals are all valid
      const auto source = source_of(*kind);
      const bool is_urgent_signal = is_urgent(*signal);
      signal_batch batch;
      batch.received[static_cast<std::size_t>(source)] = 1;
      batch.signals.push_back({source, std::move(*signal)});
      self->request(aggregator, caf::infinite, std::move(batch))
          .receive([](long long) {},
                   [&](const caf::error& e) { FAIL("batch: " << caf::to_string(e)); });
      if (is_urgent_signal) {
        ++urgent;
        rescore(rescore_trigger("sync"));  // after the decision the urgent signal triggered
      }
    }
  }
  CHECK(urgent >= 4);  // the block, the drift, the anomaly and its resolution
  CHECK(compared == s.request_count());
  CHECK(differing == 0);

  // The router holds the same table as the simulator's policy ended with.
  const auto& last = std::get<chosen>(
      *std::find_if(record->steps.rbegin(), record->steps.rend(),
                    [](const step& st) { return std::holds_alternative<chosen>(st); }));
  routing_table routers;
  self->request(router, caf::infinite, table_query{[&](routing_table t) { routers = t; }})
      .receive([] {}, [&](const caf::error& e) { FAIL("router: " << caf::to_string(e)); });
  CHECK(same_table(routers, last.table));
  CHECK(same_table(*snapshot->current(), last.table));  // what requests read
  // Decisions were made along the way, and the eu route never kept gpt-4o
  // once it was blocked.
  CHECK(routers.at("eu").decision_id > 2);
  CHECK(routers.at("eu").weight_of("openai:gpt-4o") == 0);
  self->send_exit(decision, caf::exit_reason::user_shutdown);
  self->send_exit(aggregator, caf::exit_reason::user_shutdown);
  self->send_exit(router, caf::exit_reason::user_shutdown);
  self->send_exit(store, caf::exit_reason::user_shutdown);
}
