// Issue 3, backpressure: while the aggregator is held, the collector pauses
// its partitions at the high watermark and the number of messages in flight
// stays flat whatever the backlog; released, it resumes below the low
// watermark and every message is applied, none lost.
//
// Real parts: the embedded broker (librdkafka mock cluster), the collector
// and aggregator actors. The only stand-in is a gate between them that holds
// the batches, the "slow aggregator".

#include <catch2/catch.hpp>

#include <future>

#include "actors/aggregator_actor.hpp"
#include "actors/collector_actor.hpp"
#include "actors/messages.hpp"
#include "adapters/kafka/embedded_broker.hpp"

using namespace llmopt;
using namespace std::chrono_literals;

namespace {

using open_atom = caf::atom_constant<caf::atom("open")>;

struct gate_state {
  bool open = false;
  std::vector<std::pair<signal_batch, caf::response_promise>> held;
};

// Forwards batches to the aggregator, or holds them until opened.
caf::behavior gate(caf::stateful_actor<gate_state>* self, caf::actor aggregator) {
  auto forward = [=](signal_batch batch, caf::response_promise promise) {
    self->request(aggregator, caf::infinite, std::move(batch)).then([promise](long long n) mutable {
      promise.deliver(n);
    });
  };
  return {
      [=](signal_batch& batch) -> caf::result<long long> {
        auto promise = self->make_response_promise();
        if (self->state.open)
          forward(std::move(batch), promise);
        else
          self->state.held.emplace_back(std::move(batch), promise);
        return promise;
      },
      [=](open_atom) {
        self->state.open = true;
        for (auto& [batch, promise] : self->state.held)
          forward(std::move(batch), promise);
        self->state.held.clear();
      },
  };
}

nlohmann::json query(const caf::actor& a) {
  auto answer = std::make_shared<std::promise<nlohmann::json>>();
  caf::anon_send(a, pipeline_query{[answer](nlohmann::json j) { answer->set_value(j); }});
  return answer->get_future().get();
}

std::string cost_event(int i) {
  return R"({"eventId":"c-)" + std::to_string(i) +
         R"(","timestamp":"2026-11-21T10:00:00Z","modelId":"m1","provider":"sim",)"
         R"("inputTokens":10,"outputTokens":5,"costUsd":0.001})";
}

}  // namespace

TEST_CASE(
    "a held aggregator pauses the partitions with a flat in-flight count, and loses nothing") {
  const int total = 20'000;
  auto broker = kafka::embedded_broker::start();
  REQUIRE(broker);
  REQUIRE((*broker)->create_topic("llm.signals.cost", 4));
  REQUIRE((*broker)->create_topic("llm.signals.dlq", 1));
  {
    auto producer = kafka::producer::create({(*broker)->bootstrap(), "test", {}});
    REQUIRE(producer);
    for (int i = 0; i < total; ++i) {
      auto key = std::to_string(i % 7);
      REQUIRE((*producer)->produce("llm.signals.cost", std::string_view{key}, cost_event(i)));
    }
    REQUIRE((*producer)->flush(30s));
  }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  aggregator_actor_config agg;
  agg.checkpoint_interval = 1h;  // no checkpoint during the test
  auto aggregator = sys.spawn(aggregator_actor, std::move(agg));
  auto held = sys.spawn(gate, aggregator);
  auto router = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](consuming_atom, bool) {}};  // readiness is not under test
  });

  collector_config c;
  c.consumer = std::move(*kafka::consumer::create(
      {(*broker)->bootstrap(), "backpressure", "test", {"llm.signals.cost"}, {}, {}, {}, {}}));
  c.producer = std::move(*kafka::producer::create({(*broker)->bootstrap(), "test", {}}));
  c.positions = std::make_shared<partition_positions>();
  c.topics = {{"llm.signals.cost", topic_kind::cost}};
  c.dlq_topic = "llm.signals.dlq";
  c.batch_max = 500;
  c.high_watermark = 2'000;
  c.low_watermark = 1'000;
  c.aggregator = held;
  c.router = router;
  auto collector = sys.spawn<caf::detached>(collector_actor, std::move(c));

  // Held: the collector pauses once 2,000 messages are in flight.
  nlohmann::json state = query(collector);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!state["paused"].get<bool>() && std::chrono::steady_clock::now() < deadline)
    state = query(collector);
  INFO(state.dump());
  REQUIRE(state["paused"].get<bool>());
  const long long in_flight = state["in_flight"].get<long long>();
  CHECK(in_flight >= 2'000);
  CHECK(in_flight <= 2'000 + 500);  // one poll past the watermark at most

  // Flat: further polls while paused take nothing more in, although 18,000
  // messages wait on the broker.
  for (int i = 0; i < 50; ++i) {
    auto again = query(collector);
    REQUIRE(again["paused"].get<bool>());
    REQUIRE(again["in_flight"].get<long long>() == in_flight);
  }

  // Released: everything is applied, resuming below the low watermark.
  caf::anon_send(held, open_atom::value);
  nlohmann::json counters = query(aggregator);
  const auto done = std::chrono::steady_clock::now() + 60s;
  while (counters["total"]["applied"].get<long long>() < total &&
         std::chrono::steady_clock::now() < done)
    counters = query(aggregator);
  INFO(counters.dump());
  CHECK(counters["total"]["received"].get<long long>() == total);
  CHECK(counters["total"]["applied"].get<long long>() == total);
  CHECK(counters["total"]["duplicates"].get<long long>() == 0);
  // The last replies reach the collector between its polls.
  state = query(collector);
  while (state["in_flight"].get<long long>() > 0 && std::chrono::steady_clock::now() < done)
    state = query(collector);
  CHECK_FALSE(state["paused"].get<bool>());
  CHECK(state["in_flight"].get<long long>() == 0);
  CHECK(state["pauses"].get<long long>() >= 1);

  for (const auto& a : {collector, held, aggregator, router})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
