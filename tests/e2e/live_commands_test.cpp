// `llmopt routes` and `llmopt models` ask the running daemon found through
// its config: the address it wrote at start (its port was 0) and the admin
// token from the environment, as the daemon resolves it.

#include <cstdlib>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace llmopt::test {
namespace {

TEST_CASE("llmopt routes and models show the running daemon's weights and statistics", "[e2e]") {
  const std::string token = "live-commands-admin-token";
  running_daemon d(simulated_config("${STATE_DIR}", "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n"),
                   token);
  for (int i = 0; i < 5; ++i) REQUIRE(d.chat("chat").status == 200);

  ::unsetenv("ADMIN_TOKEN");
  auto unset = d.cli({"routes"});
  CHECK(unset.exit_code == 1);
  CHECK(unset.err.find("ADMIN_TOKEN") != std::string::npos);
  ::setenv("ADMIN_TOKEN", "not-the-token", 1);
  auto refused = d.cli({"routes"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("401") != std::string::npos);
  CHECK(refused.err.find("not-the-token") == std::string::npos);

  ::setenv("ADMIN_TOKEN", token.c_str(), 1);
  auto routes = d.cli({"routes", "--json"});
  INFO(routes.out << routes.err);
  REQUIRE(routes.exit_code == 0);
  const auto weights = nlohmann::json::parse(routes.out)["routes"]["chat"]["weights"];
  double total = 0;
  for (const auto& [model, w] : weights.items())
    total += w.get<double>();
  CHECK(weights.size() == 3);
  CHECK(total == Approx(1.0));
  auto text = d.cli({"routes"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("chat  (decision ", 0) == 0);
  CHECK(text.out.find("  openai:gpt-4o ") != std::string::npos);

  // The calls reach the statistics through the aggregator, a moment later.
  long long calls = 0;
  std::string last;
  CHECK(eventually([&] {
    auto models = d.cli({"models", "--json"});
    last = models.out + models.err;
    REQUIRE(models.exit_code == 0);
    calls = 0;
    const auto doc = nlohmann::json::parse(models.out);
    for (const auto& [model, m] : doc["models"].items())
      calls += m["lifetime"]["calls"].get<long long>();
    return calls == 5;
  }));
  INFO(last);
  CHECK(calls == 5);
  auto table = d.cli({"models"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("anthropic:claude-3-5-sonnet") != std::string::npos);

  d.kill();
  auto gone = d.cli({"models"});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("is `llmopt serve` running") != std::string::npos);
  ::unsetenv("ADMIN_TOKEN");
}

}  // namespace
}  // namespace llmopt::test
