#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/live_window.hpp"

using llmopt::live_window;

TEST_CASE("the live window slides one bucket at a time") {
  live_window w(60'000, 12);  // buckets of 5 s
  w.at(1'000).calls += 1;     // bucket [0, 5 s)
  w.at(7'000).calls += 2;     // bucket [5, 10 s)
  REQUIRE(w.total(8'000).calls == 3);
  // The live buckets are the current one and the 11 before it.
  REQUIRE(w.total(59'999).calls == 3);  // [0, 5 s) is the oldest live bucket
  REQUIRE(w.total(60'000).calls == 2);  // a new bucket began: [0, 5 s) has left
  REQUIRE(w.total(65'000).calls == 0);
}

TEST_CASE("the newest part of the live window is summed on its own") {
  live_window w(60'000, 12);                    // buckets of 5 s
  w.at(1'000).calls += 1;                       // [0, 5 s)
  w.at(52'000).calls += 2;                      // [50, 55 s)
  w.at(57'000).calls += 4;                      // [55, 60 s)
  REQUIRE(w.total(58'000, 10'000).calls == 6);  // the buckets begun after 48 s
  REQUIRE(w.total(58'000, 5'000).calls == 4);
  REQUIRE(w.total(58'000, 600'000).calls == 7);  // no further back than the window
}

TEST_CASE("a bucket reused for a newer slice starts empty") {
  live_window w(10'000, 2);  // buckets of 5 s, ring of 2
  w.at(1'000).errors = 5;
  auto& b = w.at(11'000);  // same ring slot, 10 s later
  REQUIRE(b.errors == 0);
  REQUIRE(b.start == 10'000);
  // A clock that stepped back writes to the newest bucket instead of
  // destroying it.
  w.at(1'000).errors += 1;
  REQUIRE(w.total(11'000).errors == 1);
}

TEST_CASE("the live window round-trips through JSON") {
  live_window w(60'000, 12);
  auto& b = w.at(42'000);
  b.calls = 3;
  b.latency.add(120);
  b.latency_count = 1;
  b.latency_sum = 120;
  b.cost_sum = 0.5;
  nlohmann::json j;
  w.save(j);
  live_window copy(60'000, 12);
  REQUIRE(copy.restore(j).ok());
  auto t = copy.total(43'000);
  REQUIRE(t.calls == 3);
  REQUIRE(t.latency.total() == 1);
  REQUIRE(t.cost_sum == 0.5);
  REQUIRE_FALSE(copy.restore(nlohmann::json::object()).ok());
}

TEST_CASE("a bucket's stream timings round-trip; a bucket without any keeps the old layout") {
  live_window w(60'000, 12);
  w.at(1'000).calls = 2;  // not streamed
  auto& b = w.at(42'000);
  b.calls = 1;
  b.ttft_count = 1;
  b.ttft_sum = 180;
  b.ttft.add(180);
  b.inter_token_count = 1;
  b.inter_token_sum = 12;
  b.tokens_per_s_count = 1;
  b.tokens_per_s_sum = 75;
  nlohmann::json j;
  w.save(j);
  REQUIRE(j.size() == 2);
  // Older code reads the bucket that has no stream timing.
  CHECK(j[0].size() == 10);
  CHECK(j[1].size() == 17);
  live_window copy(60'000, 12);
  REQUIRE(copy.restore(j).ok());
  auto t = copy.total(43'000);
  CHECK(t.calls == 3);
  CHECK(t.ttft_count == 1);
  CHECK(t.ttft_sum == 180);
  CHECK(t.ttft.total() == 1);
  CHECK(t.inter_token_sum == 12);
  CHECK(t.tokens_per_s_count == 1);
  CHECK(t.tokens_per_s_sum == 75);

  j[1].erase(16);  // neither layout
  live_window broken(60'000, 12);
  CHECK_FALSE(broken.restore(j).ok());
}
