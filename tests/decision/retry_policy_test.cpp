#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "decision/retry_policy.hpp"

using namespace llmopt;

namespace {

std::vector<long long> delays(const retry_policy& p, int n) {
  std::vector<long long> out;
  long long previous = 0;
  for (int i = 1; i <= n; ++i)
    out.push_back(previous = retry_delay_ms(p, i, previous, 0.5));
  return out;
}

}  // namespace

TEST_CASE("retry policies: the delay sequence of each deterministic kind, capped") {
  CHECK(delays({retry_kind::exponential, 100, 1000, 6}, 6) ==
        std::vector<long long>{100, 200, 400, 800, 1000, 1000});
  CHECK(delays({retry_kind::linear, 100, 350, 5}, 5) ==
        std::vector<long long>{100, 200, 300, 350, 350});
  CHECK(delays({retry_kind::constant, 250, 1000, 3}, 3) == std::vector<long long>{250, 250, 250});
  CHECK(delays({retry_kind::fibonacci, 100, 1000, 8}, 8) ==
        std::vector<long long>{100, 100, 200, 300, 500, 800, 1000, 1000});
}

TEST_CASE("retry policies: huge retry numbers saturate at the cap instead of overflowing") {
  CHECK(retry_delay_ms({retry_kind::exponential, 100, 5000, 100}, 100, 0, 0) == 5000);
  CHECK(retry_delay_ms({retry_kind::fibonacci, 100, 5000, 100}, 100, 0, 0) == 5000);
  CHECK(retry_delay_ms({retry_kind::linear, 1LL << 40, 1LL << 41, 100}, 1 << 30, 0, 0) ==
        (1LL << 41));
}

TEST_CASE("retry policies: decorrelated jitter stays within [base, min(cap, previous * 3)]") {
  const retry_policy p{retry_kind::decorrelated_jitter, 100, 3000, 50};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  long long previous = 0;
  bool varied = false;
  for (int i = 1; i <= 50; ++i) {
    const long long d = retry_delay_ms(p, i, previous, u(rng));
    INFO("retry " << i << " after " << previous << ": " << d);
    REQUIRE(d >= 100);
    REQUIRE(d <= std::min<long long>(3000, std::max<long long>(100, previous) * 3));
    varied = varied || (previous != 0 && d != previous);
    previous = d;
  }
  CHECK(varied);
  // The draw's ends: the base, and three times the previous wait (or the cap).
  CHECK(retry_delay_ms(p, 2, 400, 0.0) == 100);
  CHECK(retry_delay_ms(p, 2, 400, 0.999999) == 1199);
  CHECK(retry_delay_ms(p, 2, 2500, 0.999999) == 2999);
}

TEST_CASE("retry presets: every named preset exists, none never waits to retry") {
  for (const auto& name : retry_preset_names())
    CHECK(retry_preset(name).has_value());
  CHECK_FALSE(retry_preset("sometimes").has_value());
  CHECK(retry_preset("none")->max_retries == 0);
  CHECK(retry_preset("standard")->kind == retry_kind::decorrelated_jitter);
  CHECK(retry_kind_named("fibonacci") == retry_kind::fibonacci);
  CHECK(to_string(retry_kind::decorrelated_jitter) == "decorrelated_jitter");
}
