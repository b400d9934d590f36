#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

// The response cache's settings: on by default, a TOML boolean to turn it
// off, sampled routes that must be declared, a Redis address.

namespace {

const std::string one_route = R"(
[[providers]]
name = "openai"
kind = "openai"
[[models]]
id = "openai:gpt-4o"
[[routes]]
name = "chat"
candidates = ["openai:gpt-4o"]
)";

std::string error_of(const std::string& text, const env_lookup& env = no_env()) {
  auto loaded = parse_settings(text, "c.toml", env);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  return loaded.err().detail;
}

}  // namespace

TEST_CASE("the cache is on by default, in memory only", "[config][cache]") {
  auto loaded = parse_settings("", "c.toml", no_env());
  REQUIRE(loaded.ok());
  CHECK(loaded->cache.enabled);
  CHECK(loaded->cache.ttl_s == 300);
  CHECK(loaded->cache.max_bytes == 64LL << 20);
  CHECK(loaded->cache.sampled_routes.empty());
  CHECK(loaded->cache.redis.empty());
}

TEST_CASE("the cache settings are read from the file and the environment", "[config][cache]") {
  auto loaded = parse_settings(R"([cache]
enabled = false
ttl_s = 60
max_bytes = 2097152
sampled_routes = ["chat"]
redis = "redis://127.0.0.1:6380"
redis_timeout_ms = 250
)" + one_route,
                               "c.toml", no_env());
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->cache.enabled);
  CHECK(loaded->cache.ttl_s == 60);
  CHECK(loaded->cache.max_bytes == 2097152);
  CHECK(loaded->cache.sampled_routes == std::vector<std::string>{"chat"});
  CHECK(loaded->cache.redis == "redis://127.0.0.1:6380");
  CHECK(loaded->cache.redis_timeout_ms == 250);

  auto from_env = parse_settings("", "c.toml", env_of({{"LLMOPT_CACHE_ENABLED", "false"}}));
  REQUIRE(from_env.ok());
  CHECK_FALSE(from_env->cache.enabled);
}

TEST_CASE("bad cache settings name the key", "[config][cache]") {
  CHECK_THAT(error_of("[cache]\nenabled = \"maybe\"\n"),
             Catch::Contains("cache.enabled") && Catch::Contains("\"maybe\""));
  CHECK_THAT(error_of("[cache]\nredis = \"cache.internal\"\n"),
             Catch::Contains("cache.redis") && Catch::Contains("host:port"));
  CHECK_THAT(error_of("[cache]\nttl_s = 0\n"), Catch::Contains("cache.ttl_s"));
  CHECK_THAT(error_of("[cache]\nsampled_routes = [\"nope\"]\n" + one_route),
             Catch::Contains("cache.sampled_routes[0]") &&
                 Catch::Contains("a route declared in [[routes]]") && Catch::Contains("\"nope\""));
}

TEST_CASE("the shared ledger is off by default, and its Redis is an address", "[config][budgets]") {
  auto loaded = parse_settings("", "c.toml", no_env());
  REQUIRE(loaded.ok());
  CHECK(loaded->budgets.redis.empty());
  CHECK(loaded->budgets.redis_timeout_ms == 50);

  auto shared = parse_settings(
      "[budgets]\nredis = \"redis://10.0.0.5:6379\"\nredis_timeout_ms = 20\n", "c.toml", no_env());
  REQUIRE(shared.ok());
  CHECK(shared->budgets.redis == "redis://10.0.0.5:6379");
  CHECK(shared->budgets.redis_timeout_ms == 20);

  CHECK_THAT(error_of("[budgets]\nredis = \"ledger.internal\"\n"),
             Catch::Contains("budgets.redis") && Catch::Contains("host:port"));
  CHECK_THAT(error_of("[budgets]\nredis = \"ledger.internal:70000\"\n"),
             Catch::Contains("budgets.redis"));
  CHECK_THAT(error_of("[budgets]\nredis_timeout_ms = 0\n"),
             Catch::Contains("budgets.redis_timeout_ms"));
}
