#include "adapters/kafka/embedded_broker.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;
using test::kcat;

std::vector<std::string> split_bootstrap(const std::string& bootstrap) {
  std::vector<std::string> out;
  std::istringstream in(bootstrap);
  for (std::string a; std::getline(in, a, ',');)
    out.push_back(a);
  return out;
}

// Whether a TCP connection to "127.0.0.1:PORT" is accepted within `patience`
// (a down mock broker refuses at once; one coming up may take a moment).
bool accepts_connections(const std::string& address, std::chrono::milliseconds patience) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(address.find(':') + 1))));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    bool accepted = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
    ::close(fd);
    if (accepted || std::chrono::steady_clock::now() >= deadline) return accepted;
    std::this_thread::sleep_for(20ms);
  }
}

TEST_CASE("embedded broker starts, kcat lists its brokers and topics, and they go down and up",
          "[kafka]") {
  auto broker = embedded_broker::start(3);
  REQUIRE(broker.ok());
  auto& b = **broker;
  CHECK(b.broker_count() == 3);
  CHECK(b.bootstrap().rfind("127.0.0.1:", 0) == 0);
  CHECK(std::count(b.bootstrap().begin(), b.bootstrap().end(), ',') == 2);
  REQUIRE(b.create_topic("llm.signals.cost", 3).ok());
  REQUIRE(b.create_topic("llm.signals.dlq", 1).ok());

  auto listing = kcat(b.bootstrap(), {"-L"});
  REQUIRE(listing.exit_code == 0);
  CHECK(listing.out.find("3 brokers:") != std::string::npos);
  CHECK(listing.out.find("topic \"llm.signals.cost\" with 3 partitions") != std::string::npos);
  CHECK(listing.out.find("topic \"llm.signals.dlq\" with 1 partitions") != std::string::npos);

  CHECK_FALSE(b.set_broker_down(0).ok());
  CHECK_FALSE(b.set_broker_down(4).ok());
  CHECK_FALSE(b.set_broker_up(4).ok());
  CHECK(b.set_broker_down(3).ok());
  CHECK(b.set_broker_up(3).ok());

  // All down (what `llmopt broker` does on SIGUSR1): every broker refuses
  // connections until all are up again (SIGUSR2).
  auto addresses = split_bootstrap(b.bootstrap());
  REQUIRE(addresses.size() == 3);
  REQUIRE(b.set_all_brokers_down().ok());
  for (const auto& a : addresses)
    CHECK_FALSE(accepts_connections(a, 0ms));
  REQUIRE(b.set_all_brokers_up().ok());
  for (const auto& a : addresses)
    CHECK(accepts_connections(a, 5s));
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
