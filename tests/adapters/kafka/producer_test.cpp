#include "adapters/kafka/producer.hpp"

#include <catch2/catch.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/embedded_broker.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;
using test::consume;

struct fixture {
  std::unique_ptr<embedded_broker> own_broker;  // only for tests that take brokers down
  embedded_broker* broker = nullptr;
  std::unique_ptr<producer> p;
};

// A producer and a one-partition `topic` on the shared broker, or on a broker
// of the test's own when it will take it down.
fixture start_with_topic(const std::string& topic, bool own_broker,
                         property_map producer_properties = {}) {
  fixture f;
  if (own_broker) {
    auto b = embedded_broker::start();
    REQUIRE(b.ok());
    f.own_broker = std::move(*b);
    f.broker = f.own_broker.get();
  } else {
    f.broker = &test::shared_broker();
  }
  REQUIRE(f.broker->create_topic(topic, 1).ok());
  auto p =
      producer::create({f.broker->bootstrap(), "test-producer", std::move(producer_properties)});
  REQUIRE(p.ok());
  f.p = std::move(*p);
  return f;
}

std::unique_ptr<consumer> member_of(const embedded_broker& b, const std::string& topic) {
  auto c = consumer::create(test::group_options(b.bootstrap(), topic + "-readers", {topic}));
  REQUIRE(c.ok());
  return std::move(*c);
}

TEST_CASE("round trip keeps headers and tells null keys and values from empty ones", "[kafka]") {
  auto f = start_with_topic("llm.signals.observatory", false);
  const std::string t = "llm.signals.observatory";
  const header_list headers{{"ce_type", "llm.trace"}, {"dup", "a"}, {"dup", "b"}, {"empty", ""}};
  REQUIRE(f.p->produce(t, "model-a", R"({"kind":"trace"})", headers).ok());
  REQUIRE(f.p->produce(t, std::nullopt, "null key").ok());
  REQUIRE(f.p->produce(t, "", "empty key").ok());
  REQUIRE(f.p->produce(t, "k", "").ok());
  REQUIRE(f.p->produce(t, "k", std::nullopt).ok());
  REQUIRE(f.p->flush(5s).ok());
  CHECK(f.p->delivery_failures() == 0);

  auto c = member_of(*f.broker, t);
  auto got = consume(*c, 5, 15s);
  REQUIRE(got.size() == 5);  // one partition: in order
  CHECK(got[0].key == std::optional<std::string>("model-a"));
  CHECK(got[0].value == R"({"kind":"trace"})");
  CHECK(got[0].headers == headers);
  CHECK(got[1].key == std::nullopt);
  CHECK(got[1].headers.empty());
  CHECK(got[2].key == std::optional<std::string>(""));
  CHECK(got[3].value.empty());
  CHECK_FALSE(got[3].null_value);
  CHECK(got[4].value.empty());
  CHECK(got[4].null_value);
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i].offset == static_cast<long long>(i));
}

TEST_CASE("messages queued while the broker is down are delivered after it is back", "[kafka]") {
  const std::string t = "llm.signals.shield";
  auto f = start_with_topic(t, true);
  auto c = member_of(*f.broker, t);
  REQUIRE(f.p->produce(t, "before", "1").ok());
  REQUIRE(f.p->flush(5s).ok());
  REQUIRE(consume(*c, 1, 15s).size() == 1);

  REQUIRE(f.broker->set_broker_down(1).ok());
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.p->produce(t, "during", std::to_string(i)).ok());
  // The consumer notices the outage as an error event, not a crash.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!c->last_error() && std::chrono::steady_clock::now() < deadline) {
    CHECK(c->poll_batch(10, 100ms).empty());
  }
  REQUIRE(c->last_error());
  CHECK(c->last_error()->code == "kafka");

  REQUIRE(f.broker->set_broker_up(1).ok());
  REQUIRE(f.p->flush(15s).ok());
  CHECK(f.p->delivery_failures() == 0);
  auto got = consume(*c, 5, 15s);
  REQUIRE(got.size() == 5);
  for (const auto& m : got)
    CHECK(m.key == std::optional<std::string>("during"));
}

TEST_CASE("producer counts messages the broker never acknowledged", "[kafka]") {
  const std::string t = "llm.routing.decisions";
  auto f = start_with_topic(t, true, {{"message.timeout.ms", "300"}});
  REQUIRE(f.broker->set_broker_down(1).ok());
  REQUIRE(f.p->produce(t, "route-a", "table").ok());
  REQUIRE(f.p->flush(5s).ok());  // done: the message failed after 300 ms
  CHECK(f.p->delivery_failures() == 1);
  CHECK(f.p->outstanding() == 0);
  REQUIRE(f.broker->set_broker_up(1).ok());
}

TEST_CASE("producer refuses an empty topic and a full local queue without blocking", "[kafka]") {
  const std::string t = "producer-queue-test";
  // At most 2 messages or 1 KB wait locally; linger keeps them there.
  auto f = start_with_topic(t, false,
                            {{"queue.buffering.max.messages", "2"},
                             {"queue.buffering.max.kbytes", "1"},
                             {"linger.ms", "10000"}});
  auto empty_topic = f.p->produce("", "k", "v");
  REQUIRE_FALSE(empty_topic.ok());
  CHECK(empty_topic.err().code == "kafka");

  REQUIRE(f.p->produce(t, "k", "1").ok());
  REQUIRE(f.p->produce(t, "k", "2").ok());
  auto full = f.p->produce(t, "k", "3", {{"h", "v"}});
  REQUIRE_FALSE(full.ok());
  CHECK(full.err().detail.find("queue full") != std::string::npos);

  REQUIRE(f.p->flush(5s).ok());  // flush sends at once, whatever linger.ms says
  const std::string big(700, 'x');
  REQUIRE(f.p->produce(t, "k", big).ok());
  auto too_many_bytes = f.p->produce(t, "k", big);  // one message fits, two do not
  REQUIRE_FALSE(too_many_bytes.ok());
  CHECK(too_many_bytes.err().detail.find("queue full") != std::string::npos);
  REQUIRE(f.p->flush(5s).ok());
  REQUIRE(f.p->produce(t, "k", big).ok());
  REQUIRE(f.p->flush(5s).ok());
  CHECK(f.p->delivery_failures() == 0);
}

TEST_CASE("producer bounds its local queue by default and explicit properties override it",
          "[kafka]") {
  producer_options options{"127.0.0.1:1", "c", {}};
  CHECK(producer_properties(options).at("queue.buffering.max.messages") == "100000");
  CHECK(producer_properties(options).at("queue.buffering.max.kbytes") == "65536");
  options.properties = {{"queue.buffering.max.kbytes", "1024"}};
  CHECK(producer_properties(options).at("queue.buffering.max.kbytes") == "1024");
  CHECK(producer_properties(options).at("linger.ms") == "5");
}

TEST_CASE("producer rejects missing brokers and unknown properties as values", "[kafka]") {
  CHECK_FALSE(producer::create({"", "c", {}}).ok());
  auto bad = producer::create({"127.0.0.1:1", "c", {{"linger.ms", "not a number"}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().detail.find("linger.ms") != std::string::npos);
}

}  // namespace
}  // namespace llmopt::kafka
