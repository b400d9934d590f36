// decision_engine::reconfigure, as a configuration reload calls it: the
// changed routes are decided afresh, the others keep their decision, and a
// removed route leaves the table.

#include <catch2/catch.hpp>

#include "decision/aggregator.hpp"
#include "decision/engine.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

std::vector<model_spec> catalog() {
  return {{mini, {0.15, 0.6}, 0.7}, {gpt, {2.5, 10}, 0.86}, {sonnet, {3, 15}, 0.9}};
}

route_spec route(const std::string& name, std::vector<model_key> candidates) {
  return route_spec{name, std::move(candidates), {0.6, 0.2, 0.2}, 0.01, 5000};
}

}  // namespace

TEST_CASE("a reload decides its changed routes afresh and leaves the others as they were") {
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine{
      engine_options{},
      {route("chat", {gpt, sonnet, mini}), route("cheap", {mini, gpt}), route("gone", {sonnet})},
      catalog(),
      0};
  REQUIRE(engine.decide(agg.views(0), 0, startup_trigger()).size() == 3);
  const auto cheap_decision = engine.table().at("cheap").decision_id;

  // "chat" loses a candidate, "gone" is removed, "new" is added.
  engine.reconfigure(
      engine_options{},
      {route("chat", {gpt, sonnet}), route("cheap", {mini, gpt}), route("new", {sonnet, mini})},
      catalog(), {"chat", "gone", "new"});
  CHECK(engine.table().count("gone") == 0);
  auto made = engine.decide(agg.views(1000), 1000, config_trigger(2, "SIGHUP llmopt.toml"));
  REQUIRE(made.size() == 2);
  CHECK(made[0].route == "chat");
  CHECK(made[1].route == "new");
  CHECK(made[0].id == 4);  // numbered on from the first three
  CHECK(made[0].trigger.kind() == trigger_kind::config);
  CHECK(made[0].trigger.causes.front().snapshot == 2);
  CHECK(describe(made[0].trigger) == "configuration snapshot 2 from SIGHUP llmopt.toml");
  CHECK(engine.table().at("chat").weight_of(mini) == 0);
  CHECK(engine.table().at("chat").weights.size() == 2);
  CHECK(engine.table().at("cheap").decision_id == cheap_decision);
  CHECK(engine.table().count("gone") == 0);
  CHECK(engine.table().count("new") == 1);
}

TEST_CASE("a reload with no route changed makes no decision") {
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine{engine_options{}, {route("chat", {gpt, sonnet, mini})}, catalog(), 0};
  REQUIRE(engine.decide(agg.views(0), 0, startup_trigger()).size() == 1);
  engine.reconfigure(engine_options{}, {route("chat", {gpt, sonnet, mini})}, catalog(), {});
  CHECK(engine.decide(agg.views(1000), 1000, config_trigger(2, "SIGHUP llmopt.toml")).empty());
}
