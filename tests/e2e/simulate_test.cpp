// `llmopt simulate` as an operator runs it: the table, --json, --seed,
// --html, and a clear error for a bad scenario.

#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

const std::string outage = LLMOPT_SOURCE_DIR "/bench/scenarios/outage-failover.json";

}  // namespace

TEST_CASE("llmopt simulate reports every policy, as a table and as JSON") {
  auto table = run({LLMOPT_BINARY, "simulate", outage});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  for (const char* policy : {"llmopt", "uniform", "round_robin", "lowest_latency", "lowest_cost",
                             "static_best", "oracle"})
    CHECK(table.out.find(std::string("\n  ") + policy + " ") != std::string::npos);

  temp_dir dir;
  auto json = run({LLMOPT_BINARY, "simulate", outage, "--json", "--html", dir.file("r.html")});
  REQUIRE(json.exit_code == 0);
  auto report = nlohmann::json::parse(json.out);
  CHECK(report["scenario"] == "outage-failover");
  CHECK(report["requests"] == 18000);
  const auto& llmopt = report["policies"]["llmopt"];
  CHECK(llmopt["violations"] == 0);
  // Better than sending traffic at random: the engine learns.
  CHECK(llmopt["normalized"].get<double>() > 0.5);
  std::ifstream html(dir.file("r.html"));
  std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  CHECK(page.find("<svg") != std::string::npos);

  auto reseeded = run({LLMOPT_BINARY, "simulate", outage, "--json", "--seed", "8"});
  REQUIRE(reseeded.exit_code == 0);
  CHECK(nlohmann::json::parse(reseeded.out)["seed"] == 8);
  CHECK(nlohmann::json::parse(reseeded.out)["policies"] != report["policies"]);
}

TEST_CASE("llmopt simulate names the bad field of a scenario") {
  temp_dir dir;
  write_file(dir.file("bad.json"), R"({"name":"x","seed":1,"duration_s":10,"requests_per_s":1,
    "tokens":{"input_mean":1,"output_mean":1},"routes":[],"models":[]})");
  auto r = run({LLMOPT_BINARY, "simulate", dir.file("bad.json")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.json: ") != std::string::npos);
  CHECK(r.err.find("routes: expected a non-empty array") != std::string::npos);
}
