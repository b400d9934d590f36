// topic_follower: every partition of a topic from its start, then what is
// appended; caught_up() once what the topic held at create() is read.
// Records go to the partition produce() names.

#include "adapters/kafka/topic_reader.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "adapters/kafka/producer.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;

std::vector<topic_record> poll_until(topic_follower& f, std::size_t count,
                                     std::chrono::milliseconds timeout) {
  std::vector<topic_record> out;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < until)
    for (auto& r : f.poll(64, 100ms))
      out.push_back(std::move(r));
  return out;
}

TEST_CASE("a follower reads every partition from its start, then what is appended", "[kafka]") {
  auto& broker = test::shared_broker();
  const std::string topic = "follower.decisions";
  REQUIRE(broker.create_topic(topic, 3).ok());
  auto p = producer::create({broker.bootstrap(), "test-producer", {}});
  REQUIRE(p.ok());
  for (int i = 0; i < 6; ++i)
    REQUIRE(
        (*p)->produce(topic, "route-" + std::to_string(i), "before " + std::to_string(i), {}, i % 3)
            .ok());
  REQUIRE((*p)->flush(5s).ok());

  auto f = topic_follower::create(broker.bootstrap(), {}, topic, 5s);
  REQUIRE(f.ok());
  CHECK((*f)->partitions() == 3);
  CHECK_FALSE((*f)->caught_up());
  auto first = poll_until(**f, 6, 10s);
  REQUIRE(first.size() == 6);
  CHECK((*f)->caught_up());
  std::map<int, std::vector<std::string>> by_partition;
  for (const auto& r : first)
    by_partition[r.partition].push_back(*r.value);
  // Each where produce() put it, in order.
  CHECK(by_partition[0] == std::vector<std::string>{"before 0", "before 3"});
  CHECK(by_partition[1] == std::vector<std::string>{"before 1", "before 4"});
  CHECK(by_partition[2] == std::vector<std::string>{"before 2", "before 5"});

  REQUIRE((*p)->produce(topic, "route-x", "after", {}, 1).ok());
  REQUIRE((*p)->produce(topic, "route-y", std::nullopt, {}, 2).ok());  // a tombstone
  REQUIRE((*p)->flush(5s).ok());
  auto later = poll_until(**f, 2, 10s);
  REQUIRE(later.size() == 2);
  std::map<int, topic_record> by_p;
  for (auto& r : later)
    by_p[r.partition] = r;
  CHECK(by_p.at(1).value == std::optional<std::string>("after"));
  CHECK(by_p.at(1).offset == 2);
  CHECK(by_p.at(2).value == std::nullopt);
  CHECK(by_p.at(2).key == std::optional<std::string>("route-y"));
}

TEST_CASE("a follower of an empty topic is caught up at once", "[kafka]") {
  auto& broker = test::shared_broker();
  REQUIRE(broker.create_topic("follower.empty", 2).ok());
  auto f = topic_follower::create(broker.bootstrap(), {}, "follower.empty", 5s);
  REQUIRE(f.ok());
  CHECK((*f)->caught_up());
  CHECK((*f)->poll(10, 50ms).empty());
}

}  // namespace
}  // namespace llmopt::kafka
