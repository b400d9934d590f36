// The L1 store of the response cache: entries expire at their time, the
// least recently used go first when the bytes would pass the bound.

#include <catch2/catch.hpp>

#include "actors/response_cache.hpp"

using namespace llmopt;

namespace {

// The bytes one entry of key `k` and value `v` counts.
std::size_t size_of(const std::string& k, const std::string& v) {
  return k.size() + v.size() + response_cache::entry_overhead;
}

}  // namespace

TEST_CASE("a stored answer is found until it expires, then it is gone") {
  response_cache cache(1 << 20);
  REQUIRE(cache.store("k", "answer", 1000));
  REQUIRE(cache.find("k", 0) != nullptr);
  CHECK(*cache.find("k", 999) == "answer");
  CHECK(cache.find("k", 1000) == nullptr);
  CHECK(cache.entries() == 0);
  CHECK(cache.bytes() == 0);
  CHECK(cache.find("never stored", 0) == nullptr);
}

TEST_CASE("the least recently used entry is evicted when the bytes would pass the bound") {
  const std::string value(100, 'x');
  response_cache cache(3 * size_of("a", value));
  cache.store("a", value, 1000);
  cache.store("b", value, 1000);
  cache.store("c", value, 1000);
  CHECK(cache.bytes() == 3 * size_of("a", value));
  REQUIRE(cache.find("a", 0) != nullptr);  // now b is the least recently used
  cache.store("d", value, 1000);
  CHECK(cache.entries() == 3);
  CHECK(cache.evictions() == 1);
  CHECK(cache.find("b", 0) == nullptr);
  CHECK(cache.find("a", 0) != nullptr);
  CHECK(cache.find("c", 0) != nullptr);
  CHECK(cache.find("d", 0) != nullptr);
  CHECK(cache.bytes() <= cache.max_bytes());
}

TEST_CASE("a large entry evicts as many as it needs, and one larger than the bound is refused") {
  response_cache cache(1000);
  for (const char* k : {"a", "b", "c", "d"})
    cache.store(k, std::string(100, 'x'), 1000);
  REQUIRE(cache.entries() == 4);
  REQUIRE(cache.store("big", std::string(700, 'y'), 1000));
  CHECK(cache.bytes() <= 1000);
  CHECK(cache.find("big", 0) != nullptr);
  CHECK(cache.find("d", 0) != nullptr);  // the most recent of the small ones stays
  CHECK(cache.find("a", 0) == nullptr);
  CHECK_FALSE(cache.store("huge", std::string(1000, 'z'), 1000));
  CHECK(cache.find("huge", 0) == nullptr);
  CHECK(cache.find("big", 0) != nullptr);  // a refused entry evicts nothing
}

TEST_CASE("storing a key again replaces its value, bytes and expiry") {
  response_cache cache(1 << 20);
  cache.store("k", "short", 1000);
  cache.store("k", "a longer answer", 5000);
  CHECK(cache.entries() == 1);
  CHECK(cache.bytes() == size_of("k", "a longer answer"));
  REQUIRE(cache.find("k", 2000) != nullptr);
  CHECK(*cache.find("k", 2000) == "a longer answer");
}
