#include "adapters/kafka/consumer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

#include "adapters/kafka/embedded_broker.hpp"
#include "adapters/kafka/producer.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;
using test::consume;
using test::kcat;

using row = std::tuple<int, long long, std::string, std::string>;  // partition, offset, key, value

embedded_broker* broker_with(const std::string& topic, int partitions) {
  auto& b = test::shared_broker();
  REQUIRE(b.create_topic(topic, partitions).ok());
  return &b;
}

std::unique_ptr<consumer> member_of(const embedded_broker& b, const std::string& group,
                                    const std::string& topic, property_map properties = {}) {
  auto options = test::group_options(b.bootstrap(), group, {topic});
  options.properties = std::move(properties);
  auto c = consumer::create(std::move(options));
  REQUIRE(c.ok());
  return std::move(*c);
}

std::unique_ptr<producer> producer_for(const embedded_broker& b) {
  auto p = producer::create({b.bootstrap(), "test-producer", {}});
  REQUIRE(p.ok());
  return std::move(*p);
}

void produce_numbered(producer& p, const std::string& topic, int from, int to) {
  for (int i = from; i < to; ++i) {
    REQUIRE(p.produce(topic, "key-" + std::to_string(i), "value-" + std::to_string(i)).ok());
  }
  REQUIRE(p.flush(5s).ok());
}

TEST_CASE("consumer in a group receives every message kcat produced, as kcat reads them",
          "[kafka]") {
  auto broker = broker_with("llm.signals.latency", 3);
  auto c = member_of(*broker, "collectors", "llm.signals.latency");

  // The topic is empty, so polling until assigned takes no messages.
  auto first_assignment = test::await_assignment(*c, 15s);
  REQUIRE(first_assignment);
  CAPTURE(first_assignment->count());  // ~3 s: the mock's initial rebalance delay
  CHECK(c->assignment().size() == 3);

  std::string input;
  for (int i = 0; i < 40; ++i)
    input += "model-" + std::to_string(i % 7) + ":signal-" + std::to_string(i) + "\n";
  auto produced = kcat(broker->bootstrap(), {"-P", "-t", "llm.signals.latency", "-K", ":"}, input);
  REQUIRE(produced.exit_code == 0);

  auto got = consume(*c, 40, 10s);
  REQUIRE(got.size() == 40);

  // What kcat itself reads back is the ground truth for partition and offset.
  auto listed = kcat(broker->bootstrap(),
                     {"-C", "-t", "llm.signals.latency", "-e", "-q", "-f", "%p|%o|%k|%s\\n"});
  REQUIRE(listed.exit_code == 0);
  std::set<row> expected;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string p, o, k, v;
    std::getline(fields, p, '|');
    std::getline(fields, o, '|');
    std::getline(fields, k, '|');
    std::getline(fields, v);
    expected.emplace(std::stoi(p), std::stoll(o), k, v);
  }
  REQUIRE(expected.size() == 40);

  std::set<row> actual;
  for (const auto& m : got) {
    CHECK(m.topic == "llm.signals.latency");
    REQUIRE(m.key);
    actual.emplace(m.partition, m.offset, *m.key, m.value);
  }
  CHECK(actual == expected);
}

TEST_CASE("a new group member resumes exactly after the offsets the previous one stored",
          "[kafka]") {
  auto broker = broker_with("llm.signals.cost", 2);
  auto p = producer_for(*broker);
  produce_numbered(*p, "llm.signals.cost", 0, 20);
  // After a member leaves, the mock cluster waits session.timeout.ms - 1 s
  // for the others to rejoin before a newcomer's join completes; a short
  // session keeps that wait at 3 s (it must exceed the 3 s first join).
  const property_map quick_rejoin{{"session.timeout.ms", "4000"},
                                  {"heartbeat.interval.ms", "1000"}};

  // Member A handles everything but stores only the first half of each
  // partition, as if it crashed while the rest was in flight.
  std::map<int, long long> stored_until;  // partition -> first offset not stored
  std::set<std::string> second_half;
  {
    auto a = member_of(*broker, "cost-collectors", "llm.signals.cost", quick_rejoin);
    std::vector<topic_partition_offset> positions;
    auto got = consume(*a, 20, 15s, &positions);
    REQUIRE(got.size() == 20);
    std::map<int, long long> count;
    for (const auto& m : got)
      ++count[m.partition];
    std::vector<topic_partition_offset> to_store;
    for (const auto& [partition, n] : count) {
      stored_until[partition] = n / 2;
      to_store.push_back({"llm.signals.cost", partition, n / 2});
    }
    for (const auto& m : got) {
      if (m.offset >= stored_until[m.partition]) second_half.insert(m.value);
    }
    REQUIRE(a->store_offsets(to_store).ok());
    REQUIRE(a->commit_sync().ok());
    a->close();
    a->close();  // idempotent
  }

  auto b = member_of(*broker, "cost-collectors", "llm.signals.cost", quick_rejoin);
  auto got = consume(*b, second_half.size(), 15s);
  REQUIRE(got.size() == second_half.size());
  std::set<std::string> values;
  for (const auto& m : got) {
    CHECK(m.offset >= stored_until[m.partition]);
    values.insert(m.value);
  }
  CHECK(values == second_half);
  CHECK(b->poll_batch(10, 300ms).empty());  // and nothing of the first half after them
}

TEST_CASE("paused consumer receives nothing until resumed, also across its first assignment",
          "[kafka]") {
  auto broker = broker_with("llm.signals.sentinel", 2);
  auto p = producer_for(*broker);
  produce_numbered(*p, "llm.signals.sentinel", 0, 5);

  auto c = member_of(*broker, "sentinel-collectors", "llm.signals.sentinel");
  REQUIRE(c->pause_all().ok());  // before any assignment: applied when it arrives
  REQUIRE(test::await_assignment(*c, 15s));
  CHECK(c->poll_batch(10, 200ms).empty());

  REQUIRE(c->resume_all().ok());
  CHECK(consume(*c, 5, 10s).size() == 5);

  REQUIRE(c->pause_all().ok());
  produce_numbered(*p, "llm.signals.sentinel", 5, 12);
  CHECK(c->poll_batch(10, 200ms).empty());

  REQUIRE(c->resume_all().ok());
  auto got = consume(*c, 7, 10s);
  REQUIRE(got.size() == 7);
  std::set<std::string> values;
  for (const auto& m : got)
    values.insert(m.value);
  CHECK(values.size() == 7);
  CHECK(values.count("value-5") == 1);
  CHECK(values.count("value-11") == 1);
  CHECK(c->poll_batch(10, 200ms).empty());  // each exactly once
}

TEST_CASE("consumer rejects incomplete options as values", "[kafka]") {
  CHECK_FALSE(consumer::create({"", "g", "c", {"t"}, {}}).ok());
  CHECK_FALSE(consumer::create({"127.0.0.1:1", "", "c", {"t"}, {}}).ok());
  CHECK_FALSE(consumer::create({"127.0.0.1:1", "g", "c", {}, {}}).ok());
  auto bad = consumer::create({"127.0.0.1:1", "g", "c", {"t"}, {{"no.such.property", "1"}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == "kafka");
  CHECK(bad.err().detail.find("no.such.property") != std::string::npos);
}

}  // namespace
}  // namespace llmopt::kafka
