#include "adapters/kafka/dead_letter.hpp"

#include <catch2/catch.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/embedded_broker.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;

// One record of kcat's "%K|%k|%S|%s|%h\n" output. Lengths come first so that
// arbitrary bytes in key and value parse exactly.
struct kcat_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::string headers;  // "name=value,name=value"
};

std::vector<kcat_record> parse_kcat(const std::string& out) {
  std::vector<kcat_record> records;
  std::size_t at = 0;
  auto field = [&](char end) {
    auto stop = out.find(end, at);
    REQUIRE(stop != std::string::npos);
    std::string s = out.substr(at, stop - at);
    at = stop + 1;
    return s;
  };
  auto bytes = [&]() -> std::optional<std::string> {
    long long n = std::stoll(field('|'));
    if (n < 0) {
      at += 1;  // the empty field's '|'
      return std::nullopt;
    }
    std::string s = out.substr(at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n) + 1;
    return s;
  };
  while (at < out.size()) {
    kcat_record r;
    r.key = bytes();
    r.value = bytes();
    r.headers = field('\n');
    records.push_back(std::move(r));
  }
  return records;
}

TEST_CASE("dead letter keeps the original key and value bytes and carries the reason headers",
          "[kafka]") {
  auto& broker = test::shared_broker();
  REQUIRE(broker.create_topic("llm.signals.shield", 1).ok());
  REQUIRE(broker.create_topic("llm.signals.dlq", 1).ok());
  auto p = producer::create({broker.bootstrap(), "test-producer", {}});
  REQUIRE(p.ok());
  auto& prod = **p;

  const std::string not_utf8("\xff\xfe\x00{\"kind\":\x80}", 13);
  REQUIRE(prod.produce("llm.signals.shield", "model-x", not_utf8, {{"ce_id", "42"}}).ok());
  REQUIRE(prod.produce("llm.signals.shield", std::nullopt, R"({"model":"m"})").ok());
  // A tombstone that was dead-lettered before: the old reason is replaced.
  REQUIRE(
      prod.produce("llm.signals.shield", "model-y", std::nullopt, {{"llmopt-error", "old"}}).ok());
  REQUIRE(prod.flush(5s).ok());

  {
    auto c = consumer::create(
        test::group_options(broker.bootstrap(), "shield-collectors", {"llm.signals.shield"}));
    REQUIRE(c.ok());
    std::vector<message> originals;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (originals.size() < 3 && std::chrono::steady_clock::now() < deadline) {
      for (auto& m : (*c)->poll_batch(3, 200ms))
        originals.push_back(std::move(m));
    }
    REQUIRE(originals.size() == 3);
    REQUIRE(send_dead_letter(prod, "llm.signals.dlq", originals[0],
                             {"not_json", "value is not UTF-8 JSON"})
                .ok());
    REQUIRE(send_dead_letter(prod, "llm.signals.dlq", originals[1],
                             {"missing_field", "field kind is missing"})
                .ok());
    REQUIRE(
        send_dead_letter(prod, "llm.signals.dlq", originals[2], {"not_object", "null value"}).ok());
    REQUIRE(prod.flush(5s).ok());
    CHECK(prod.delivery_failures() == 0);
  }  // messages, then their consumer

  auto out = test::kcat(broker.bootstrap(),
                        {"-C", "-t", "llm.signals.dlq", "-e", "-q", "-f", "%K|%k|%S|%s|%h\\n"});
  REQUIRE(out.exit_code == 0);
  auto records = parse_kcat(out.out);
  REQUIRE(records.size() == 3);

  CHECK(records[0].key == std::optional<std::string>("model-x"));
  CHECK(records[0].value == std::optional<std::string>(not_utf8));
  CHECK(records[0].headers ==
        "ce_id=42,llmopt-error=not_json,llmopt-error-detail=value is not UTF-8 JSON,"
        "llmopt-source-topic=llm.signals.shield,llmopt-source-partition=0,"
        "llmopt-source-offset=0");

  CHECK(records[1].key == std::nullopt);
  CHECK(records[1].value == std::optional<std::string>(R"({"model":"m"})"));
  CHECK(records[1].headers ==
        "llmopt-error=missing_field,llmopt-error-detail=field kind is missing,"
        "llmopt-source-topic=llm.signals.shield,llmopt-source-partition=0,"
        "llmopt-source-offset=1");

  CHECK(records[2].key == std::optional<std::string>("model-y"));
  CHECK(records[2].value == std::nullopt);
  CHECK(records[2].headers ==
        "llmopt-error=not_object,llmopt-error-detail=null value,"
        "llmopt-source-topic=llm.signals.shield,llmopt-source-partition=0,"
        "llmopt-source-offset=2");
}

}  // namespace
}  // namespace llmopt::kafka
