#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pages/decision_explanation.hpp"

using namespace llmopt;
using namespace llmopt::pages;

namespace {

decision one_decision() {
  decision d;
  d.id = 42;
  d.at = 1700000000000;
  d.route = "chat";
  d.trigger = tick_trigger();
  d.reasons = {{reason_code::best, "openai:gpt-4o", {{"utility", 0.3}}}};
  candidate_assessment c;
  c.model = "openai:gpt-4o";
  c.weight = 1;
  d.candidates = {c};
  return d;
}

spend_entry billed(const std::string& key, double usd) {
  spend_entry e;
  e.key_id = key;
  e.decision_id = 42;
  e.usd = usd;
  return e;
}

}  // namespace

TEST_CASE("a decision's explanation is explain() with the billed calls it routed by key",
          "[decision_explanation]") {
  const auto d = one_decision();
  CHECK(explanation_text(d, {}) == explain(d));
  auto text = explanation_text(d, {billed("key_b", 0.5), billed("", 0.25), billed("key_b", 0.25)});
  REQUIRE(text.rfind(explain(d), 0) == 0);
  CHECK(text.substr(explain(d).size()) ==
        "billed calls it routed, by key:\n"
        "  (no key): 1 call(s), $0.250000\n"
        "  key_b: 2 call(s), $0.750000\n");
}

TEST_CASE("a decision's explanation as JSON is its record with calls_by_key",
          "[decision_explanation]") {
  const auto d = one_decision();
  auto j = explanation_json(d, {billed("key_a", 1.0)});
  CHECK(j["id"] == 42);
  CHECK(j["route"] == "chat");
  CHECK(j["calls_by_key"] == nlohmann::json::parse(R"([{"key":"key_a","calls":1,"usd":1.0}])"));
  CHECK(explanation_json(d, {})["calls_by_key"] == nlohmann::json::array());
}
