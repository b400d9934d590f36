// `llmopt bench` as an operator runs it: figures as a table or as one JSON
// object on stdout (logs go to stderr), and a clear error when it cannot run.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

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
  CHECK(table.out.find("\n  thompson ") != std::string::npos);
  CHECK(table.out.find(" p10 ") != std::string::npos);

  auto missing = run({LLMOPT_BINARY, "bench", "learnability", "/nonexistent.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent.json: cannot read the file") != std::string::npos);
}

// A smoke test of `llmopt bench gateway`: it runs, both paths answer every
// request, and the figures are there. Nothing is asserted on time.

namespace {

// `llmopt bench gateway ARGS --json`'s figures; it must succeed.
nlohmann::json gateway_figures(std::vector<std::string> args) {
  args.insert(args.begin(), {LLMOPT_BINARY, "bench", "gateway"});
  args.push_back("--json");
  auto r = run(args, {}, std::chrono::seconds(120));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto f = nlohmann::json::parse(r.out, nullptr, false);
  INFO(r.out);
  REQUIRE(f.is_object());
  return f;
}

}  // namespace

TEST_CASE("llmopt bench gateway drives a fixed upstream directly and through llmopt") {
  auto f = gateway_figures({"--rps", "200", "--seconds", "1"});
  INFO(f.dump());
  for (const char* path : {"direct", "through"}) {
    INFO(path);
    CHECK(f[path]["due"] == 200);
    CHECK(f[path]["ok"] == 200);
    CHECK(f[path]["failed"] == 0);
    CHECK(f[path]["latency"]["p50_ms"].get<double>() > 0);
  }
  CHECK(f["added"]["latency"].contains("p99_ms"));
  CHECK(f["llmopt"]["cpu_us_per_request_gross"].get<double>() > 0);
  CHECK(f["llmopt"]["cpu_us_per_request_by_thread"].contains("http"));
  CHECK(f["llmopt"]["peak_rss_mb"].get<double>() > 0);
  // The warm-up's requests and the measured ones reached the upstream.
  CHECK(f["upstream"]["answered"].get<long long>() >= 400);
}

TEST_CASE("llmopt bench gateway --stream checks every token of every stream") {
  auto f = gateway_figures({"--rps", "50", "--seconds", "1", "--stream"});
  INFO(f.dump());
  for (const char* path : {"direct", "through"}) {
    INFO(path);
    CHECK(f[path]["ok"] == 50);
    CHECK(f[path]["streams_bad"] == 0);
    CHECK(f[path]["ttft"]["p50_ms"].get<double>() > 0);
    // 20 tokens 50 ms apart: the gaps are the upstream's pace.
    CHECK(f[path]["gap"]["p50_ms"].get<double>() >= 40);
  }
}

TEST_CASE("llmopt bench gateway --checks sends each request with a key, a budget and a cache miss") {
  auto f = gateway_figures({"--rps", "100", "--seconds", "1", "--checks"});
  INFO(f.dump());
  CHECK(f["through"]["ok"] == 100);
  // Warm-up (1 s at the same rate) and measured requests: each one a miss.
  CHECK(f["checks_seen"]["cache_hits"] == 0);
  CHECK(f["checks_seen"]["cache_misses"] == 200);
  std::vector<std::string> scopes;
  for (const auto& b : f["checks_seen"]["budgets"]) {
    scopes.push_back(b["scope"].get<std::string>());
    CHECK(b["spent_usd"].get<double>() > 0);
  }
  CHECK(scopes.size() == 2);  // the key's and the route's
}
