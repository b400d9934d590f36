// `llmopt bench` as an operator runs it: figures as a table or as one JSON
// object on stdout (logs go to stderr), and a clear error when it cannot run.

#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

TEST_CASE("llmopt bench ingest --json prints one JSON object, its log on stderr") {
  auto r =
      run({LLMOPT_BINARY, "bench", "ingest", "--signals", "1000", "--partitions", "1", "--json"},
          {}, std::chrono::seconds(60));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto figures = nlohmann::json::parse(r.out, nullptr, false);
  INFO(r.out);
  REQUIRE_FALSE(figures.is_discarded());
  CHECK(figures["signals"] == 1000);
  CHECK(figures["signals_per_s"].get<double>() > 0);
  CHECK(r.err.find("collector: partitions assigned") != std::string::npos);
}

TEST_CASE("llmopt bench learnability sets llmopt beside a reference learner over seeds") {
  const std::string block = LLMOPT_SOURCE_DIR "/bench/scenarios/policy-block.json";
  auto r = run({LLMOPT_BINARY, "bench", "learnability", block, "--seeds", "2", "--first-seed", "7",
                "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto figures = nlohmann::json::parse(r.out);
  CHECK(figures["scenario"] == "policy-block");
  REQUIRE(figures["seeds"].size() == 2);
  CHECK(figures["seeds"][0]["seed"] == 7);
  CHECK(figures["seeds"][1]["seed"] == 8);
  for (const char* policy : {"llmopt", "reference"}) {
    INFO(policy);
    const double a = figures["seeds"][0][policy].get<double>();
    const double b = figures["seeds"][1][policy].get<double>();
    CHECK(figures[policy]["mean"].get<double>() == Approx((a + b) / 2));
    CHECK(figures[policy]["min"].get<double>() == Approx(std::min(a, b)));
    // Both learn: far better than sending traffic at random.
    CHECK(a > 0.5);
    CHECK(b > 0.5);
  }

  auto table = run({LLMOPT_BINARY, "bench", "learnability", block, "--seeds", "1"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("\n  reference ") != std::string::npos);

  auto missing = run({LLMOPT_BINARY, "bench", "learnability", "/nonexistent.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent.json: cannot read the file") != std::string::npos);
}
