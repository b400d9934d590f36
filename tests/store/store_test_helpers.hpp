#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "decision/decision_record.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace llmopt::store_test {

// A read_write connection to a migrated store at `path`; fails the test if
// it cannot be had.
inline database open_migrated(const std::string& path) {
  auto db = open_store(path, open_mode::read_write);
  if (!db) FAIL(db.err().code << ": " << db.err().detail);
  return std::move(*db);
}

// A decision with two candidates, one excluded (no score, no percentiles)
// and one scored with both percentiles.
inline decision sample_decision(long long id, const std::string& route, time_ms at = 0) {
  decision d;
  d.id = id;
  d.at = at ? at : 1'700'000'000'000 + id * 1000;
  d.route = route;
  latency_anomaly spike;
  spike.type = latency_anomaly_type::spike;
  spike.level = severity::critical;
  d.trigger = id % 2 ? tick_trigger() : signal_trigger({"l-1", 0, "openai:gpt-4o", spike});
  d.reasons = {{reason_code::excluded,
                "openai:gpt-4o",
                {{"previous_weight", 0.5}},
                {constraint_code::error_rate, {{"error_rate", 0.5}, {"calls", 7}}}},
               {reason_code::best, "anthropic:claude-3-5-sonnet", {{"utility", 0.8123}}},
               {reason_code::weight_moved, "openai:gpt-4o", {{"from", 0.5}, {"to", 0.25}}}};
  candidate_assessment scored;
  scored.model = "anthropic:claude-3-5-sonnet";
  scored.weight = 0.75;
  scored.previous_weight = 0.5;
  scored.score = 0.8123456789012345;
  scored.quality = 0.91;
  scored.quality_samples = 42.5;
  scored.error_rate = 0.01;
  scored.calls = 1234;
  scored.expected_latency_ms = 812.25;
  scored.expected_cost_usd = 0.000123;
  scored.p50_ms = 640.0;
  scored.p95_ms = 1900.5;
  candidate_assessment excluded;
  excluded.model = "openai:gpt-4o";
  excluded.weight = 0.25;
  excluded.previous_weight = 0.5;
  excluded.excluded = {constraint_code::error_rate, {{"error_rate", 0.5}, {"calls", 7}}};
  excluded.quality = 1.0 / 3.0;
  excluded.calls = 7;
  d.candidates = {scored, excluded};
  return d;
}

}  // namespace llmopt::store_test
