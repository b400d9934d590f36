// The pure pieces of a simulated answer: tool planning, arguments by
// schema, sizes, and the pace of a stream.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/providers/sim_completion.hpp"
#include "adapters/providers/sim_stream.hpp"

using namespace llmopt;
using nlohmann::json;

namespace {

sim_request with_tools(std::initializer_list<const char*> names) {
  sim_request r;
  for (const char* n : names)
    r.tools.push_back({n, json::object()});
  return r;
}

simulated_model model_of(double median, double p95) {
  simulated_model m;
  m.id = "openai:m";
  m.behaviour = {median, p95, 0, 1};
  return m;
}

}  // namespace

TEST_CASE("arguments_for fills each required property by its type") {
  const auto schema = json::parse(R"({"type": "object", "properties": {
      "s": {"type": "string"}, "i": {"type": "integer"}, "n": {"type": "NUMBER"},
      "b": {"type": "boolean"}, "a": {"type": "array"}, "o": {"type": "object"},
      "z": {"type": ["null", "integer"]}, "e": {"enum": ["x", "y"]}, "skip": {"type": "string"}},
      "required": ["s", "i", "n", "b", "a", "o", "z", "e", "untyped"]})");
  CHECK(arguments_for(schema) == json::parse(R"({"s": "sim", "i": 1, "n": 1, "b": true,
      "a": [], "o": {}, "z": 1, "e": "x", "untyped": "sim"})"));
  CHECK(arguments_for(json()) == json::object());
  CHECK(arguments_for(json::parse(R"({"required": "s"})")) == json::object());
}

TEST_CASE(
    "plan_tool_calls: the first tool, two when parallel, the named one, none after a result") {
  auto r = with_tools({"a", "b", "c"});
  auto calls = plan_tool_calls(r);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].name == "a");
  CHECK(calls[1].name == "b");
  r.parallel_tool_calls = false;
  CHECK(plan_tool_calls(r).size() == 1);
  r.tool_choice = sim_tool_choice::named;
  r.tool_name = "c";
  CHECK(plan_tool_calls(r).at(0).name == "c");
  r.tool_choice = sim_tool_choice::none;
  CHECK(plan_tool_calls(r).empty());
  r = with_tools({"a", "b"});
  r.last_is_tool_result = true;
  CHECK(plan_tool_calls(r).empty());
  r.tool_choice = sim_tool_choice::required;  // a call is required even after a result
  CHECK(plan_tool_calls(r).size() == 2);
  CHECK(plan_tool_calls(with_tools({})).empty());
  CHECK(plan_tool_calls(with_tools({"only"})).size() == 1);
}

TEST_CASE("make_answer: fixed or drawn tokens, cut by max tokens, text one word per token") {
  auto m = model_of(10, 20);
  sim_request r;
  r.model = "m";
  r.prompt_chars = 41;
  auto drawn = make_answer(r, m, 3, 7, 300, 0);
  CHECK(drawn.completion_tokens == draw_completion_tokens(3, 7, 300, std::nullopt));
  CHECK(drawn.prompt_tokens == 10);
  m.output_tokens = 12;
  auto fixed = make_answer(r, m, 3, 7, 300, 0);
  CHECK(fixed.completion_tokens == 12);
  CHECK_FALSE(fixed.truncated);
  CHECK(fixed.pieces() == 12);
  std::string joined;
  for (std::size_t i = 0; i < fixed.pieces(); ++i)
    joined += fixed.token(i);
  CHECK(joined == fixed.text());
  CHECK(fixed.text().rfind("Simulated answer 7 from m ", 0) == 0);
  CHECK(std::count(joined.begin(), joined.end(), ' ') == 11);
  r.max_tokens = 5;
  auto cut = make_answer(r, m, 3, 7, 300, 0);
  CHECK(cut.completion_tokens == 5);
  CHECK(cut.truncated);
  r.tools = {{"f", json{{"x", 1}}}};
  auto call = make_answer(r, m, 3, 7, 300, 0);
  CHECK(call.pieces() == 1);
  CHECK(call.text().empty());
  CHECK(call.completion_tokens == 2);  // "f" and {"x":1}: 8 characters
}

TEST_CASE("pace_of: 20% then the rest evenly by default, ttft_ms and tokens_per_s replace it") {
  auto m = model_of(100, 200);
  auto p = pace_of(m, 1000, 11);
  CHECK(p.first_ms == Approx(200));
  CHECK(p.gap_ms == Approx(80));
  CHECK(p.due_ms(10) == Approx(1000));
  CHECK(pace_of(m, 1000, 1).gap_ms == 0);
  m.ttft_ms = 50;
  CHECK(pace_of(m, 1000, 11).gap_ms == Approx(95));
  m.tokens_per_s = 100;
  p = pace_of(m, 1000, 11);
  CHECK(p.first_ms == 50);
  CHECK(p.gap_ms == Approx(10));
  m.tokens_per_s = 0;
  p = pace_of(m, 1000, 11);
  CHECK(p.unpaced);
  CHECK(p.due_ms(10) == 50);
  m.ttft_ms = 5000;  // a first token later than the latency: the rest at once
  m.tokens_per_s.reset();
  CHECK(pace_of(m, 1000, 11).gap_ms == 0);
}
