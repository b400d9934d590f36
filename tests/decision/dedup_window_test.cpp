#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "decision/dedup_window.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;

TEST_CASE("an id applied within the window is a duplicate, after it is new again") {
  dedup_window d(1000, 100);
  REQUIRE(d.insert(42, 0));
  REQUIRE_FALSE(d.insert(42, 999));
  REQUIRE(d.insert(42, 1000));  // the first sighting has left the window
  REQUIRE(d.size() == 1);
}

TEST_CASE("at most max_ids ids are remembered, the oldest forgotten first") {
  dedup_window d(1'000'000, 3);
  for (std::uint64_t k = 1; k <= 4; ++k)
    REQUIRE(d.insert(k, 0));
  REQUIRE(d.size() == 3);
  REQUIRE(d.insert(1, 0));  // forgotten
  REQUIRE_FALSE(d.insert(4, 0));
}

TEST_CASE("a disabled window lets everything through") {
  dedup_window d(0, 100);
  REQUIRE(d.insert(7, 0));
  REQUIRE(d.insert(7, 0));
}

TEST_CASE("the open-addressing table agrees with std::set under churn") {
  // Small key space so that probes collide and deletions shift entries.
  dedup_window d(50, 1'000'000);
  std::mt19937_64 rng(3);
  std::map<std::uint64_t, time_ms> truth;  // key -> time remembered
  for (time_ms t = 0; t < 20'000; ++t) {
    for (auto it = truth.begin(); it != truth.end();)
      it = it->second <= t - 50 ? truth.erase(it) : std::next(it);
    std::uint64_t key = 1 + rng() % 300;
    bool expected_new = truth.count(key) == 0;
    REQUIRE(d.insert(key, t) == expected_new);
    if (expected_new) truth[key] = t;
  }
}

TEST_CASE("the window survives a save and restore") {
  dedup_window d(1000, 100);
  d.insert(5, 10);
  d.insert(6, 20);
  dedup_window copy(1000, 100);
  REQUIRE(copy.restore(d.save()).ok());
  REQUIRE_FALSE(copy.insert(5, 30));
  REQUIRE(copy.insert(5, 1010));  // expiry times came along
  REQUIRE_FALSE(copy.restore("12345").ok());
}

TEST_CASE("dedup keys: same kind and id collide, a resolution differs, no id never collides") {
  using namespace llmopt::test;
  auto a = anomaly("m", "a-1", anomaly_type::custom, severity::low);
  auto resolved = anomaly("m", "a-1", anomaly_type::custom, severity::low, false);
  REQUIRE(dedup_key(a) == dedup_key(a));
  REQUIRE(dedup_key(a) != dedup_key(resolved));
  auto other_kind = a;
  other_kind.body = drift_signal{};
  REQUIRE(dedup_key(a) != dedup_key(other_kind));
  REQUIRE(dedup_key(outcome("m", true, 1)) == 0);
}
