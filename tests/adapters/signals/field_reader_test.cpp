#include <catch2/catch.hpp>

#include "adapters/signals/error_detail.hpp"
#include "adapters/signals/field_reader.hpp"
#include "decision/signal.hpp"

using namespace llmopt;

namespace {

// Parses `json` (an object) and gives a reader on it.
struct fixture {
  simdjson::dom::parser parser;
  std::optional<error> first_error;
  simdjson::dom::object object;

  explicit fixture(std::string_view json) {
    REQUIRE_FALSE(parser.parse(json.data(), json.size()).get_object().get(object));
  }
  field_reader reader(std::string_view name = {}) {
    return field_reader{object, first_error, name};
  }
};

}  // namespace

TEST_CASE("field names match camelCase and snake_case spellings", "[field_reader]") {
  CHECK(same_field("costUsd", "costUsd"));
  CHECK(same_field("costUsd", "cost_usd"));
  CHECK(same_field("p95Ms", "p95_ms"));
  CHECK(same_field("stdDevMs", "std_dev_ms"));
  CHECK(same_field("pValue", "p_value"));
  CHECK(same_field("gen_ai.usage.input_tokens", "gen_ai.usage.input_tokens"));
  CHECK_FALSE(same_field("costUsd", "costusd"));
  CHECK_FALSE(same_field("costUsd", "CostUsd"));
  CHECK_FALSE(same_field("costUsd", "cost_"));
  CHECK_FALSE(same_field("costUsd", "cost_usd_"));
  CHECK_FALSE(same_field("costUsd", "cost"));
  CHECK_FALSE(same_field("p95Ms", "p95_"));
  CHECK_FALSE(same_field("id", ""));
}

TEST_CASE("the first occurrence of a field wins and null counts as absent", "[field_reader]") {
  fixture f{R"({"cost_usd":1,"costUsd":2,"route":null,"a":"x","a":"y"})"};
  auto r = f.reader();
  CHECK(r.number("costUsd", number_domain::finite) == 1);
  CHECK_FALSE(r.has("route"));
  CHECK(r.optional_text("route").empty());
  CHECK(r.text("a") == "x");
  CHECK_FALSE(r.failed());
}

TEST_CASE("the first error sticks and later reads return defaults", "[field_reader]") {
  fixture f{R"({"a":"text","b":5})"};
  auto r = f.reader("data");
  CHECK(r.number("a", number_domain::finite) == 0);
  REQUIRE(r.failed());
  CHECK(r.number("b", number_domain::finite) == 0);  // not read after the failure
  CHECK(f.first_error->code == "wrong_type");
  CHECK(f.first_error->detail == "data.a: expected a number, got string");
}

TEST_CASE("counts accept integral floats only", "[field_reader]") {
  fixture f{R"({"a":12.0,"b":1e3,"c":1e16,"d":9223372036854775807})"};
  auto r = f.reader();
  CHECK(r.count("a") == 12);
  CHECK(r.count("b") == 1000);
  CHECK(r.count("d") == 9223372036854775807LL);
  CHECK_FALSE(r.failed());
  r.count("c");  // beyond 2^53: not exactly an integer any more
  REQUIRE(f.first_error);
  CHECK(f.first_error->code == "wrong_type");
  CHECK(f.first_error->detail == "c: expected an integer, got 1e+16");
}

TEST_CASE("enumerations fall back to lower case", "[field_reader]") {
  fixture f{R"({"severity":"CRITICAL","bad":"Nope"})"};
  auto r = f.reader();
  CHECK(r.enumeration("severity", parse_severity) == severity::critical);
  r.enumeration("bad", parse_severity);
  REQUIRE(f.first_error);
  CHECK(f.first_error->detail == "bad: unknown value \"Nope\"");
}

TEST_CASE("details quote untrusted values safely and briefly", "[field_reader][detail]") {
  CHECK(quote_for_detail("urgent") == "\"urgent\"");
  CHECK(quote_for_detail("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quote_for_detail(std::string_view("\x01\xff", 2)) == "\"\\x01\\xff\"");
  auto long_value = quote_for_detail(std::string(1000, 'x'));
  CHECK(long_value.size() < 60);
  CHECK(long_value.substr(long_value.size() - 4) == "\"...");
}

TEST_CASE("timestamps: strings, integers, and nothing else", "[field_reader][timestamp]") {
  fixture f{R"({"a":"2026-11-21T10:15:02Z","b":1795256102000,"c":1795256102000.0,
               "d":-1,"e":1.5,"f":true,"g":253402300800000,"h":{}})"};
  auto r = f.reader();
  CHECK(r.time("a") == 1795256102000);
  CHECK(r.time("b") == 1795256102000);
  CHECK(r.time("c") == 1795256102000);
  CHECK_FALSE(r.failed());
  for (auto name : {"d", "e", "f", "g", "h"}) {
    INFO(name);
    std::optional<error> slot;
    field_reader fresh{f.object, slot};
    fresh.time(name);
    REQUIRE(slot);
    CHECK(slot->code == "bad_timestamp");
  }
}
