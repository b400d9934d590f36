#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "decision/routing_table.hpp"

using namespace llmopt;

TEST_CASE("attempt_order draws the first candidate by weight and never tries a zero weight") {
  route_weights w{"chat", 7, {{"a", 0.7}, {"b", 0.0}, {"c", 0.3}}};
  std::map<std::string, int> first;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    auto order = w.attempt_order((i + 0.5) / n);
    REQUIRE(order.size() == 2);
    REQUIRE(order[0] != order[1]);
    ++first[order[0]];
  }
  REQUIRE(first["a"] == 700);
  REQUIRE(first["c"] == 300);
  REQUIRE(first.count("b") == 0);
}

TEST_CASE("attempt_order falls back to the rest heaviest first") {
  route_weights w{"chat", 1, {{"a", 0.1}, {"b", 0.6}, {"c", 0.3}}};
  auto order = w.attempt_order(0.01);  // draws a
  REQUIRE(order == std::vector<model_key>{"a", "b", "c"});
  REQUIRE(route_weights{"x", 0, {{"a", 0}}}.attempt_order(0.5).empty());
}

TEST_CASE("attempt_order over the candidates that can serve renormalizes their weights") {
  route_weights w{"chat", 3, {{"a", 0.5}, {"b", 0.3}, {"c", 0.2}}};
  auto not_a = [](const model_key& m) { return m != "a"; };
  std::map<std::string, int> first;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    auto order = w.attempt_order((i + 0.5) / n, not_a);
    REQUIRE(order.size() == 2);
    ++first[order[0]];
  }
  CHECK(first.count("a") == 0);
  CHECK(first["b"] == 600);  // 0.3 / (0.3 + 0.2)
  CHECK(first["c"] == 400);
  CHECK(w.attempt_order(0.5, [](const model_key&) { return false; }).empty());
}

TEST_CASE("route weights round-trip through JSON") {
  route_weights w{"chat", 9, {{"a", 0.25}, {"b", 0.75}}};
  nlohmann::json j = w;
  REQUIRE(j["weights"]["b"] == 0.75);
  auto back = j.get<route_weights>();
  REQUIRE(back.decision_id == 9);
  REQUIRE(back.weight_of("a") == 0.25);
}
