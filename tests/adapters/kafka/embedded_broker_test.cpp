#include "adapters/kafka/embedded_broker.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using test::kcat;

TEST_CASE("embedded broker starts and kcat lists the topics created on it", "[kafka]") {
  auto broker = embedded_broker::start();
  REQUIRE(broker.ok());
  const std::string boot = (*broker)->bootstrap();
  CHECK(boot.rfind("127.0.0.1:", 0) == 0);

  REQUIRE((*broker)->create_topic("llm.signals.cost", 3).ok());
  REQUIRE((*broker)->create_topic("llm.signals.dlq", 1).ok());

  auto listing = kcat(boot, {"-L"});
  REQUIRE(listing.exit_code == 0);
  CHECK(listing.out.find("1 brokers:") != std::string::npos);
  CHECK(listing.out.find("topic \"llm.signals.cost\" with 3 partitions") != std::string::npos);
  CHECK(listing.out.find("topic \"llm.signals.dlq\" with 1 partitions") != std::string::npos);
}

TEST_CASE("embedded broker with three brokers lists them and takes each down and up", "[kafka]") {
  auto broker = embedded_broker::start(3);
  REQUIRE(broker.ok());
  auto& b = **broker;
  CHECK(std::count(b.bootstrap().begin(), b.bootstrap().end(), ',') == 2);

  auto listing = kcat(b.bootstrap(), {"-L"});
  REQUIRE(listing.exit_code == 0);
  CHECK(listing.out.find("3 brokers:") != std::string::npos);

  CHECK_FALSE(b.set_broker_down(0).ok());
  CHECK_FALSE(b.set_broker_down(4).ok());
  CHECK_FALSE(b.set_broker_up(4).ok());
  CHECK(b.set_broker_down(3).ok());
  CHECK(b.set_broker_up(3).ok());
}

TEST_CASE("embedded broker rejects bad topics and broker counts as values", "[kafka]") {
  CHECK_FALSE(embedded_broker::start(0).ok());

  auto& b = test::shared_broker();
  CHECK_FALSE(b.create_topic("", 1).ok());
  CHECK_FALSE(b.create_topic("embedded-broker-test", 0).ok());
  REQUIRE(b.create_topic("embedded-broker-test", 1).ok());
  auto again = b.create_topic("embedded-broker-test", 1);
  REQUIRE_FALSE(again.ok());
  CHECK(again.err().code == "kafka");
  CHECK(again.err().detail.find("embedded-broker-test") != std::string::npos);
}

}  // namespace
}  // namespace llmopt::kafka
