#include "actors/partition_handoff.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "adapters/kafka/embedded_broker.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/kafka/topic_reader.hpp"
#include "store/checkpoint_record.hpp"

namespace llmopt {
namespace {

using namespace std::chrono_literals;

const std::string records_topic = "llm.checkpoints";
const std::string cost = "llm.signals.cost";

std::string record_of(const std::string& group, const std::string& store, long long checkpoint,
                      std::vector<partition_position> positions) {
  return checkpoint_message({group, store, checkpoint, std::move(positions)});
}

TEST_CASE(
    "a partition starts where the group's records say, believing only its group's records "
    "under their own store's key") {
  auto broker = kafka::embedded_broker::start();
  REQUIRE(broker);
  REQUIRE((*broker)->create_topic(records_topic, 1));
  auto producer = kafka::producer::create({(*broker)->bootstrap(), "test", {}});
  REQUIRE(producer);
  auto put = [&](const std::string& key, std::optional<std::string> value) {
    REQUIRE((*producer)->produce(records_topic, key, value, {}, 0));
  };
  // Counted by the group: partition 0 to 10, partition 1 to 4.
  put("store-a", record_of("g", "store-a", 3, {{cost, 0, 10}, {cost, 1, 4}}));
  // Not believed: another store's record under this key, another group's
  // record, a record that is not one.
  put("store-b", record_of("g", "store-c", 9, {{cost, 1, 99}}));
  put("store-d", record_of("other-group", "store-d", 2, {{cost, 1, 50}}));
  put("store-f", std::string("{\"group\":\"g\""));
  // A store whose records are gone: its tombstone follows its record.
  put("store-e", record_of("g", "store-e", 5, {{cost, 1, 7}, {cost, 2, 30}}));
  put("store-e", std::nullopt);
  // A late copy of store-a's older record changes nothing.
  put("store-a", record_of("g", "store-a", 2, {{cost, 1, 40}}));
  // This instance's own store, at checkpoint 6.
  put("store-self", record_of("g", "store-self", 6, {{cost, 3, 3}}));
  REQUIRE((*producer)->flush(5s));

  auto follower = kafka::topic_follower::create((*broker)->bootstrap(), {}, records_topic, 10s);
  REQUIRE(follower);
  partition_handoff::options options;
  options.group = "g";
  options.store = "store-self";
  options.topic = records_topic;
  options.records = std::move(*follower);
  options.producer = std::move(*producer);
  // Where this instance itself stopped: partition 0 at 12, partition 3 at 1.
  auto own =
      std::make_shared<partition_positions>(partition_positions{{{cost, 0}, 12}, {{cost, 3}, 1}});
  partition_handoff handoff(std::move(options), own);

  REQUIRE(handoff.catch_up());
  CHECK(handoff.start_offset(cost, 0) == 12);            // its own is further than the group's 10
  CHECK(handoff.start_offset(cost, 1) == 4);             // not 99, 50, 40 or the forgotten 7
  CHECK(handoff.start_offset(cost, 2) == std::nullopt);  // only the forgotten store had it
  CHECK(handoff.start_offset(cost, 3) == 3);             // its own record's, further than its own 1
  CHECK(handoff.recorded_checkpoint() == 6);
}

}  // namespace
}  // namespace llmopt
