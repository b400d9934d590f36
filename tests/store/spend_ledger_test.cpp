#include "store/spend_ledger.hpp"

#include <catch2/catch.hpp>

#include "tests/store/store_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

using store_test::open_migrated;

constexpr long long day_ms = 86'400'000;

spend_entry entry(long long at, std::string key, std::string route, double usd,
                  long long decision = 0) {
  spend_entry e;
  e.at_ms = at;
  e.key_id = std::move(key);
  e.route = std::move(route);
  e.model = "openai:gpt-4o";
  e.decision_id = decision;
  e.request_id = "r" + std::to_string(at);
  e.input_tokens = 10;
  e.output_tokens = 20;
  e.usd = usd;
  return e;
}

TEST_CASE("the spend ledger totals per key and route per day, and survives reopening") {
  llmopt::test::temp_dir dir;
  {
    auto db = open_migrated(dir.file("llmopt.db"));
    spend_ledger ledger(db);
    REQUIRE(ledger.append({entry(10 * day_ms + 5, "key_a", "chat", 0.25, 3),
                           entry(10 * day_ms + 9, "key_a", "", 0.5),
                           entry(11 * day_ms + 1, "key_b", "chat", 1.0, 3),
                           entry(9 * day_ms, "key_a", "chat", 7.0)})
                .ok());
  }
  auto db = open_migrated(dir.file("llmopt.db"));
  spend_ledger ledger(db);
  auto totals = ledger.totals_since(10 * day_ms);
  REQUIRE(totals.ok());
  CHECK(totals->by_key["key_a"].size() == 1);
  CHECK(totals->by_key["key_a"][10 * day_ms] == Approx(0.75));
  CHECK(totals->by_key["key_b"][11 * day_ms] == Approx(1.0));
  CHECK(totals->by_route["chat"][10 * day_ms] == Approx(0.25));
  CHECK(totals->by_route[""][10 * day_ms] == Approx(0.5));
  auto routed = ledger.of_decision(3);
  REQUIRE(routed.ok());
  REQUIRE(routed->size() == 2);
  CHECK((*routed)[0].key_id == "key_a");
  CHECK((*routed)[1].key_id == "key_b");
  CHECK((*routed)[1].output_tokens == 20);
  auto sum = ledger.sum();
  REQUIRE(sum.ok());
  CHECK(sum->first == Approx(8.75));
  CHECK(sum->second == 4);
}

}  // namespace
}  // namespace llmopt
