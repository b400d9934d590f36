// Deciding with other instances (decision_engine::share and follow): each
// instance decides the routes of its partitions of the decisions topic and
// follows the others' decisions; ids never collide and go on above what
// was followed.

#include <catch2/catch.hpp>

#include <set>

#include "decision/aggregator.hpp"
#include "decision/engine.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

std::vector<model_spec> catalog() {
  return {{mini, {0.15, 0.6}, 0.7}, {gpt, {2.5, 10}, 0.86}, {sonnet, {3, 15}, 0.9}};
}

route_spec route(const std::string& name) {
  return route_spec{name, {gpt, sonnet, mini}, {0.6, 0.2, 0.2}, 0.01, 5000};
}

// A route name on partition `p` of `partitions`.
std::string on_partition(int p, int partitions = 2, const std::string& stem = "r") {
  for (int i = 0;; ++i)
    if (auto name = stem + std::to_string(i); route_partition(name, partitions) == p) return name;
}

struct instance {
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine;
  explicit instance(std::vector<route_spec> routes, long long last_id = 0)
      : engine(engine_options{}, std::move(routes), catalog(), last_id) {}
  std::vector<decision> decide(const decision_trigger& t = tick_trigger()) {
    return engine.decide(agg.views(0), 0, t);
  }
};

}  // namespace

TEST_CASE("a route's partition is a stable hash of its name") {
  // 64-bit FNV-1a: the same in every instance and build.
  CHECK(route_partition("chat", 1) == 0);
  CHECK(route_partition("", 4) == static_cast<int>(14695981039346656037ull % 4));
  CHECK(route_partition("chat", 16) == route_partition("chat", 16));
  std::set<int> seen;
  for (int i = 0; i < 64; ++i)
    seen.insert(route_partition("route-" + std::to_string(i), 4));
  CHECK(seen == std::set<int>{0, 1, 2, 3});
}

TEST_CASE("alone, an engine decides every route and numbers on from the last id") {
  instance one({route("a"), route("b")}, 7);
  auto made = one.decide(startup_trigger());
  REQUIRE(made.size() == 2);
  CHECK(made[0].id == 8);
  CHECK(made[1].id == 9);
  CHECK(one.engine.decides("a"));
}

TEST_CASE("sharing, each instance decides its partitions' routes and follows the others") {
  const auto a = on_partition(0), b = on_partition(1);
  instance first({route(a), route(b)}), second({route(a), route(b)});
  // Before the group says anything, nobody decides.
  for (auto* i : {&first, &second}) {
    CHECK(i->engine.share(1, {}).empty());
    CHECK(i->decide(startup_trigger()).empty());
  }

  CHECK(first.engine.share(2, {0}) == std::vector<std::string>{a});
  CHECK(second.engine.share(2, {1}) == std::vector<std::string>{b});
  auto by_first = first.decide();
  auto by_second = second.decide();
  REQUIRE(by_first.size() == 1);
  REQUIRE(by_second.size() == 1);
  CHECK(by_first[0].route == a);
  CHECK(by_second[0].route == b);
  // id % partitions is the route's partition: the two never collide.
  CHECK(by_first[0].id % 2 == 0);
  CHECK(by_second[0].id % 2 == 1);

  // Each applies the other's decision, and only that one.
  CHECK(first.engine.follow(by_second[0]));
  CHECK_FALSE(first.engine.follow(by_first[0]));  // its own route
  CHECK(second.engine.follow(by_first[0]));
  for (auto* e : {&first.engine, &second.engine}) {
    CHECK(e->table().at(a).decision_id == by_first[0].id);
    CHECK(e->table().at(b).decision_id == by_second[0].id);
    CHECK(e->table().at(b).weight_of(mini) == Approx(by_second[0].candidates[2].weight));
  }
  // The same decision again, or an older one, changes nothing.
  CHECK_FALSE(first.engine.follow(by_second[0]));
  auto older = by_second[0];
  older.id -= 2;
  CHECK_FALSE(first.engine.follow(older));
  // A route this instance does not know is not applied.
  auto unknown = by_second[0];
  unknown.route = "not-configured";
  unknown.id += 100;
  CHECK_FALSE(first.engine.follow(unknown));
  CHECK(first.engine.table().count("not-configured") == 0);
}

TEST_CASE("whoever takes a partition over decides its routes at once, above every id it followed") {
  const auto a = on_partition(0), b = on_partition(1);
  instance old_decider({route(a), route(b)}), successor({route(a), route(b)});
  old_decider.engine.share(2, {0, 1});
  successor.engine.share(2, {});
  auto made = old_decider.decide(startup_trigger());
  REQUIRE(made.size() == 2);
  long long highest = 0;
  for (const auto& d : made) {
    CHECK(successor.engine.follow(d));
    highest = std::max(highest, d.id);
  }
  CHECK(successor.decide().empty());  // decides nothing of its own yet

  const auto taken = successor.engine.share(2, {0, 1});
  CHECK(taken.size() == 2);
  auto after = successor.decide(takeover_trigger("successor decides partitions [0,1] of 2"));
  REQUIRE(after.size() == 2);
  for (const auto& d : after) {
    CHECK(d.id > highest);
    CHECK(d.id % 2 == route_partition(d.route, 2));
    CHECK(d.trigger.kind() == trigger_kind::takeover);
    // The weights it takes over are the ones it followed.
    for (const auto& c : d.candidates)
      CHECK(c.previous_weight == Approx(old_decider.engine.table().at(d.route).weight_of(c.model)));
  }
  // Keeping a partition it has is no takeover.
  CHECK(successor.engine.share(2, {0, 1}).empty());
}
