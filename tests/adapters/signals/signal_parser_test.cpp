// Robustness of signal_parser: any bytes give a signal or one of the ten
// reasons with a detail; never a crash or an exception.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "adapters/signals/dead_letter.hpp"
#include "tests/adapters/signals/parse_helpers.hpp"

using namespace llmopt;
using llmopt::test::parse_error;

namespace {

constexpr auto cost_json = R"({"eventId":"c-1","timestamp":0,"modelId":"gpt-4o",
  "provider":"openai","inputTokens":1,"outputTokens":2,"costUsd":0.5})";

bool is_reason(const std::string& code) {
  auto& all = dead_letter::all_reasons;
  return std::find(all.begin(), all.end(), code) != all.end();
}

std::vector<std::string> valid_corpus() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (auto& dir :
       fs::directory_iterator(fs::path(LLMOPT_SOURCE_DIR) / "tests/adapters/signals/corpus"))
    for (auto& file : fs::directory_iterator(dir.path())) {
      std::ifstream in(file.path(), std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  return out;
}

}  // namespace

TEST_CASE("topic names round-trip", "[parser]") {
  for (auto t : {topic_kind::cost, topic_kind::latency, topic_kind::sentinel, topic_kind::shield,
                 topic_kind::observatory})
    CHECK(parse_topic_kind(to_string(t)) == t);
  CHECK_FALSE(parse_topic_kind("llm.signals.cost").has_value());
}

TEST_CASE("not JSON: empty, blank, garbage, truncated", "[parser]") {
  for (std::string_view bad : {"", "   ", "{", "{\"a\":}", "nul", "{'a':1}", "{\"a\":1}}"}) {
    auto e = parse_error(topic_kind::cost, bad);
    CHECK(e.code == "not_json");
    CHECK_FALSE(e.detail.empty());
  }
  CHECK(parse_error(topic_kind::cost, std::string_view("\0\0\0", 3)).code == "not_json");
  CHECK(parse_error(topic_kind::cost, "{\"eventId\":\"\xc3\x28\"}").code == "not_json");
}

TEST_CASE("not an object: arrays and scalars at the top", "[parser]") {
  for (std::string_view bad : {"[]", "1", "\"x\"", "true", "null"}) {
    auto e = parse_error(topic_kind::cost, bad);
    CHECK(e.code == "not_object");
    CHECK(e.detail.find("top level is") == 0);
  }
}

TEST_CASE("too large is checked before parsing, at the configured limit", "[parser]") {
  std::string message = cost_json;
  signal_parser exact{parse_limits{message.size(), 64}};
  CHECK(exact.parse(topic_kind::cost, message).ok());
  signal_parser smaller{parse_limits{message.size() - 1, 64}};
  auto e = smaller.parse(topic_kind::cost, message);
  REQUIRE_FALSE(e.ok());
  CHECK(e.err().code == "too_large");
  CHECK(e.err().detail.find("limit") != std::string::npos);
  // Not parsed: even garbage is too_large rather than not_json.
  CHECK(signal_parser{parse_limits{4, 64}}.parse(topic_kind::cost, "garbage").err().code ==
        "too_large");
}

TEST_CASE("nesting deeper than max_depth is not_json", "[parser]") {
  auto nested = [](int depth) {
    return std::string(R"({"eventId":"e","x":)") + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  signal_parser parser;  // max_depth 64
  CHECK(parser.parse(topic_kind::cost, nested(10)).err().code == "missing_field");
  CHECK(parser.parse(topic_kind::cost, nested(100)).err().code == "not_json");
  CHECK(parser.parse(topic_kind::cost, nested(5000)).err().code == "not_json");

  signal_parser shallow{parse_limits{65536, 2}};
  CHECK(shallow.parse(topic_kind::cost, cost_json).ok());
  CHECK(shallow.parse(topic_kind::cost, R"({"eventId":"e","x":[1]})").err().code ==
        "missing_field");
  CHECK(shallow.parse(topic_kind::cost, R"({"eventId":"e","x":[[1]]})").err().code == "not_json");
}

TEST_CASE("huge and odd numbers never crash", "[parser]") {
  auto code = [](std::string_view tokens) {
    std::string json = R"({"eventId":"c-1","timestamp":0,"modelId":"gpt-4o","provider":"openai",
      "inputTokens":)" +
                       std::string(tokens) + R"(,"outputTokens":2,"costUsd":0.5})";
    signal_parser parser;
    auto parsed = parser.parse(topic_kind::cost, json);
    return parsed ? std::string("ok") : parsed.err().code;
  };
  CHECK(code("1e400") == "not_json");
  CHECK(code("-1e400") == "not_json");
  CHECK(code("18446744073709551615") == "out_of_range");
  CHECK(code("-9223372036854775808") == "out_of_range");
  CHECK(code("1e300") == "wrong_type");
  CHECK(code("0.0") == "ok");
  CHECK(code("-0") == "ok");
  std::string many_digits = code("123456789012345678901234567890");
  CHECK((many_digits == "not_json" || many_digits == "wrong_type"));
}

TEST_CASE("a returned signal owns its data after the parser moves on", "[parser]") {
  signal_parser parser;
  auto first = parser.parse(topic_kind::cost, cost_json);
  auto second = parser.parse(topic_kind::cost, R"({"eventId":"other-id-much-longer-than-sso",
    "timestamp":0,"modelId":"claude-3-5-sonnet","provider":"anthropic","inputTokens":1,
    "outputTokens":2,"costUsd":0.5})");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->id == "c-1");
  CHECK(first->model == "openai:gpt-4o");
  CHECK(second->model == "anthropic:claude-3-5-sonnet");
}

TEST_CASE("mutated corpus files give a signal or a reason, never a crash", "[parser][fuzz]") {
  auto corpus = valid_corpus();
  REQUIRE_FALSE(corpus.empty());
  std::mt19937 rng(20261121);
  signal_parser parser;
  const topic_kind topics[] = {topic_kind::cost, topic_kind::latency, topic_kind::sentinel,
                               topic_kind::shield, topic_kind::observatory};
  int ok = 0, failed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = corpus[rng() % corpus.size()];
    switch (rng() % 4) {
      case 0:  // flip bytes
        for (int i = 0; i < 3 && !bytes.empty(); ++i)
          bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
        break;
      case 1:
        bytes.resize(bytes.empty() ? 0 : rng() % bytes.size());
        break;
      case 2:  // splice another file in
        bytes.insert(bytes.empty() ? 0 : rng() % bytes.size(), corpus[rng() % corpus.size()]);
        break;
      default:  // random bytes
        bytes.assign(rng() % 64, '\0');
        for (auto& c : bytes)
          c = static_cast<char>(rng() % 256);
    }
    auto parsed = parser.parse(topics[rng() % 5], bytes);
    if (parsed) {
      ++ok;
      continue;
    }
    ++failed;
    INFO(bytes);
    REQUIRE(is_reason(parsed.err().code));
    REQUIRE_FALSE(parsed.err().detail.empty());
  }
  CHECK(ok + failed == 20000);
}
