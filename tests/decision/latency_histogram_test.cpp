#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "decision/latency_histogram.hpp"
#include "decision/world_model.hpp"

using llmopt::latency_histogram;

TEST_CASE("histogram quantiles are within 5% of the exact ones, at every scale") {
  for (double median : {2.0, 900.0, 120000.0}) {
    latency_histogram h;
    std::vector<double> exact;
    auto d = llmopt::lognormal::from_median_p95(median, median * 2);
    for (int i = 0; i < 5000; ++i) {
      double z = (i + 0.5) / 5000.0 * 6 - 3;  // -3..3 sigma, deterministic
      exact.push_back(d.at(z));
      h.add(exact.back());
    }
    std::sort(exact.begin(), exact.end());
    for (double q : {0.5, 0.95, 0.99}) {
      double truth = exact[static_cast<std::size_t>(q * (exact.size() - 1))];
      INFO("median " << median << " q " << q);
      REQUIRE(*h.quantile(q) == Approx(truth).epsilon(0.05));
    }
    double sum = 0, sum_sq = 0;
    for (double x : exact)
      sum += x, sum_sq += x * x;
    const double n = static_cast<double>(exact.size());
    const double sd = std::sqrt(sum_sq / n - (sum / n) * (sum / n));
    INFO("median " << median);
    REQUIRE(h.standard_deviation() == Approx(sd).epsilon(0.05));
  }
  latency_histogram same_bin;
  for (int i = 0; i < 100; ++i)
    same_bin.add(850);
  REQUIRE(same_bin.standard_deviation() == 0);
  REQUIRE(latency_histogram{}.standard_deviation() == 0);
}

TEST_CASE("histogram extremes land in the first and last bins and merge adds up") {
  latency_histogram a, b;
  a.add(0.01);
  a.add(-3);
  b.add(1e12);
  REQUIRE(latency_histogram::bin_of(0.01) == 0);
  REQUIRE(latency_histogram::bin_of(1e12) == latency_histogram::bin_count - 1);
  a.merge(b);
  REQUIRE(a.total() == 3);
  REQUIRE(a.sparse().size() == 2);
  latency_histogram c;
  c.add_sparse(a.sparse());
  REQUIRE(c.total() == 3);
  REQUIRE(*c.quantile(1.0) == *a.quantile(1.0));
  REQUIRE_FALSE(latency_histogram{}.quantile(0.5));
}
