// changes_between and applies_live: what a reload reports and what it may
// apply without a restart.

#include <catch2/catch.hpp>

#include "config/config_changes.hpp"
#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::no_env;

namespace {

const std::string base = R"(
[kafka]
brokers = "k1:9092"
[router]
timeout_ms = 30000

[[providers]]
name = "openai"
kind = "simulated"

[[models]]
id = "openai:a"
simulation = { latency_ms = { median = 10, p95 = 20 }, error_rate = 0.0, quality = 0.7 }

[[models]]
id = "openai:b"
simulation = { latency_ms = { median = 20, p95 = 40 }, error_rate = 0.0, quality = 0.6 }

[[routes]]
name = "chat"
candidates = ["openai:a", "openai:b"]

[[routes]]
name = "other"
candidates = ["openai:b"]
)";

settings parsed(const std::string& text) {
  auto s = parse_settings(text, "test.toml", no_env());
  INFO((s ? std::string() : s.err().detail));
  REQUIRE(s.ok());
  return *s;
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("the same configuration has no changes", "[config]") {
  auto c = changes_between(parsed(base), parsed(base + "\n# a comment\n"));
  CHECK(c.empty());
  CHECK(c.all().empty());
}

TEST_CASE("a changed route, model and provider are named, each once", "[config]") {
  auto next =
      with(base, R"(candidates = ["openai:b"])", R"(candidates = ["openai:b", "openai:a"])");
  next = with(next, "quality = 0.7", "quality = 0.8");  // openai:a's simulation
  next +=
      "\n[[models]]\nid = \"openai:c\"\nsimulation = { latency_ms = { median = 1, p95 = 2 }, "
      "error_rate = 0.0, quality = 0.5 }\n";
  auto c = changes_between(parsed(base), parsed(next));
  CHECK(c.routes == names{"other"});
  CHECK(c.models == names{"openai:a", "openai:c"});
  CHECK(c.providers.empty());
  CHECK(c.settings.empty());
  CHECK(c.restart_only().empty());
  CHECK(c.all() == names{"model openai:a", "model openai:c", "route other"});
}

TEST_CASE("a removed route is a change", "[config]") {
  auto next = with(base, "[[routes]]\nname = \"other\"\ncandidates = [\"openai:b\"]\n", "");
  CHECK(changes_between(parsed(base), parsed(next)).routes == names{"other"});
}

TEST_CASE("settings are live or need a restart by their section", "[config]") {
  auto next = with(base, "timeout_ms = 30000", "timeout_ms = 20000");
  next = with(next, "k1:9092", "k2:9092");
  auto c = changes_between(parsed(base), parsed(next));
  CHECK(c.settings == names{"kafka.brokers", "router.timeout_ms"});
  CHECK(c.restart_only() == names{"kafka.brokers"});

  CHECK(applies_live("router.timeout_ms"));
  CHECK(applies_live("budgets.soft_fraction"));
  CHECK(applies_live("decision.exploration_floor"));
  CHECK_FALSE(applies_live("decision.tick_ms"));
  // The shared ledger connects once, at the start.
  CHECK_FALSE(applies_live("budgets.redis"));
  CHECK_FALSE(applies_live("budgets.redis_timeout_ms"));
  CHECK_FALSE(applies_live("http.listen"));
  CHECK_FALSE(applies_live("admin.token"));
  CHECK_FALSE(applies_live("auth.required"));
  CHECK_FALSE(applies_live("cache.enabled"));
  CHECK_FALSE(applies_live("state_dir"));
}
