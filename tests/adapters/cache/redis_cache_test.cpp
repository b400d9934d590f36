// The response cache's Redis level against a real redis-server: values come
// back until they expire; Redis gone is an error answered within the bound,
// never a wait.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "adapters/cache/redis_cache.hpp"
#include "tests/support/redis_server.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

redis_cache::options at(int port) {
  redis_cache::options o;
  o.port = port;
  o.timeout_ms = 200;
  return o;
}

// A get, awaited (the callback runs on the Redis thread).
redis_lookup get(redis_cache& cache, const std::string& key) {
  std::promise<redis_lookup> found;
  cache.get(key, [&found](redis_lookup r) { found.set_value(std::move(r)); });
  auto f = found.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("addresses are host:port or redis://host:port") {
  auto plain = redis_cache::parse_address("127.0.0.1:6380");
  REQUIRE(plain);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6380);
  auto url = redis_cache::parse_address("redis://cache.internal:6379/");
  REQUIRE(url);
  CHECK(url->host == "cache.internal");
  CHECK(url->port == 6379);
  CHECK_FALSE(redis_cache::parse_address("cache.internal"));
  CHECK_FALSE(redis_cache::parse_address(":6379"));
  CHECK_FALSE(redis_cache::parse_address("host:99999"));
}

TEST_CASE("a value set is got back, a missing one is a miss, not an error") {
  redis_server redis;
  redis_cache cache(at(redis.port()));
  cache.set("k", std::string("binary\0value", 12), 60000);
  // The set runs before the get: one thread, in order.
  auto found = get(cache, "k");
  REQUIRE(found.value);
  CHECK(*found.value == std::string("binary\0value", 12));
  CHECK_FALSE(found.error);
  // With the time it has left, so a copy kept elsewhere expires with it.
  CHECK(found.ttl_ms > 50000);
  CHECK(found.ttl_ms <= 60000);
  auto missing = get(cache, "other");
  CHECK_FALSE(missing.value);
  CHECK_FALSE(missing.error);
  CHECK(missing.ttl_ms == 0);
}

TEST_CASE("a value expires after its ttl") {
  redis_server redis;
  redis_cache cache(at(redis.port()));
  cache.set("short", "v", 1);
  // Expired within a generous bound: awaited, not slept for.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (get(cache, "short").value && std::chrono::steady_clock::now() < until) {
  }
  CHECK_FALSE(get(cache, "short").value);
}

TEST_CASE("Redis gone is an error answered within the bound") {
  auto redis = std::make_unique<redis_server>();
  const int port = redis->port();
  redis_cache cache(at(port));
  cache.set("k", "v", 60000);
  REQUIRE(get(cache, "k").value);
  redis->kill();
  const auto start = std::chrono::steady_clock::now();
  auto down = get(cache, "k");
  CHECK(down.error);
  CHECK_FALSE(down.value);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("nothing listening: every lookup is an error within the bound") {
  redis_cache cache(at(free_port()));
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = get(cache, "k");
    CHECK(r.error);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
}
