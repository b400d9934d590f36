#include <catch2/catch.hpp>

#include "decision/signal_intake.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {
typed_signal cost_event(const std::string& id, double usd) {
  cost_sample c;
  c.input_tokens = 100;
  c.output_tokens = 10;
  c.cost_usd = usd;
  return typed_signal{id, 0, "openai:gpt-4o", c};
}
}  // namespace

TEST_CASE("a duplicate is counted, not applied") {
  signal_intake in(intake_options{}, {});
  REQUIRE(in.apply(signal_source::cost, cost_event("c-1", 0.5), 0));
  REQUIRE_FALSE(in.apply(signal_source::cost, cost_event("c-1", 0.5), 1));
  REQUIRE(in.apply(signal_source::cost, cost_event("c-2", 0.25), 2));
  in.count_received(signal_source::cost, 4);
  in.count_dead_lettered(signal_source::cost, 1);
  const auto& c = in.counters()[signal_source::cost];
  REQUIRE(c.applied == 2);
  REQUIRE(c.duplicates == 1);
  REQUIRE(c.received == c.applied + c.duplicates + c.dead_lettered);
  REQUIRE(in.counters().applied_by_kind[static_cast<int>(signal_kind::cost)] == 2);
  REQUIRE(in.aggregates().views(3)["openai:gpt-4o"].lifetime.cost_usd == Approx(0.75));
}

TEST_CASE("a restored intake counts and deduplicates as the saved one would have") {
  signal_intake in(intake_options{}, {});
  in.apply(signal_source::cost, cost_event("c-1", 0.5), 0);
  in.count_received(signal_source::cost, 1);
  auto snapshot = in.save();

  signal_intake restored(intake_options{}, {});
  REQUIRE(restored.restore(snapshot).ok());
  REQUIRE(restored.counters()[signal_source::cost].applied == 1);
  REQUIRE(restored.counters()[signal_source::cost].received == 1);
  REQUIRE_FALSE(restored.apply(signal_source::cost, cost_event("c-1", 0.5), 10));
  REQUIRE(restored.aggregates().views(11)["openai:gpt-4o"].lifetime.cost_usd == Approx(0.5));

  snapshot.counters = "{";
  REQUIRE_FALSE(signal_intake(intake_options{}, {}).restore(snapshot).ok());
}
