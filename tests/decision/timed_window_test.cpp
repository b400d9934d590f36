#include <catch2/catch.hpp>

#include "decision/timed_window.hpp"

using llmopt::timed_window;

TEST_CASE("timed_window forgets samples older than its span") {
  timed_window w(1000, 100);
  w.add(0, 10);
  w.add(500, 20);
  w.add(1000, 30);
  REQUIRE(w.size() == 3);
  REQUIRE(*w.mean() == Approx(20));
  w.expire(1200);  // the sample at 0 is now older than 1000 ms
  REQUIRE(w.size() == 2);
  REQUIRE(w.sum() == Approx(50));
  w.expire(5000);
  REQUIRE(w.empty());
  REQUIRE_FALSE(w.mean());
}

TEST_CASE("timed_window keeps at most max_samples, dropping the oldest") {
  timed_window w(1'000'000, 4);
  for (int i = 1; i <= 10; ++i)
    w.add(i, i);
  REQUIRE(w.size() == 4);
  REQUIRE(w.sum() == Approx(7 + 8 + 9 + 10));
}

TEST_CASE("timed_window quantiles are nearest-rank over the live samples") {
  timed_window w(1'000'000, 1000);
  for (int i = 100; i >= 1; --i)
    w.add(0, i);  // 1..100 in reverse order
  REQUIRE(*w.quantile(0.5) == Approx(51).margin(1));
  REQUIRE(*w.quantile(0.95) == Approx(95).margin(1));
  REQUIRE(*w.quantile(0.0) == 1);
  REQUIRE(*w.quantile(1.0) == 100);
}
