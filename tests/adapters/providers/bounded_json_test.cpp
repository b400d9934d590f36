#include <catch2/catch.hpp>

#include "adapters/providers/bounded_json.hpp"

using namespace llmopt;

TEST_CASE("bounded json: depth is counted by nesting, outside strings") {
  CHECK(json_depth("1", 10) == 0);
  CHECK(json_depth("[]", 10) == 1);
  CHECK(json_depth("[[1],{\"a\":[2]}]", 10) == 3);
  CHECK(json_depth("\"[[[[\"", 10) == 0);
  CHECK(json_depth(R"(["\"[[[", [1]])", 10) == 2);
  CHECK(json_depth(std::string(1000, '['), 5) == 6);  // stops once past the limit
}

TEST_CASE("bounded json: a document nested 100,000 deep is refused before it is parsed") {
  std::string deep = R"({"model":"chat","messages":[{"role":"user","content":)";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}]}";
  auto r = parse_bounded_json(deep, json_bounds{1u << 20, 64});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == "too_deep");
  CHECK(r.err().field == "messages");
  CHECK(r.err().detail == "'messages' is nested deeper than 64 levels");
}

TEST_CASE("bounded json: size and validity") {
  CHECK(parse_bounded_json("[1,2,3]", json_bounds{6, 8}).err().code == "too_large");
  CHECK(parse_bounded_json("[1,2,3]", json_bounds{7, 1}).ok());
  CHECK(parse_bounded_json("[1,2", json_bounds{}).err().code == "invalid_json");
  CHECK(parse_bounded_json("\"\xff\"", json_bounds{}).err().code == "invalid_json");
  CHECK(parse_bounded_json("{\"a\":1} x", json_bounds{}).err().code == "invalid_json");
  auto ok = parse_bounded_json(R"({"a":[{"b":null}]})", json_bounds{1024, 3});
  REQUIRE(ok.ok());
  CHECK((*ok)["a"][0]["b"].is_null());
}

TEST_CASE("bounded json: dump_json replaces invalid UTF-8 instead of throwing") {
  nlohmann::json j = std::string("a\xff");
  CHECK(dump_json(j) == "\"a\xEF\xBF\xBD\"");
}

TEST_CASE("bounded json: a NUL byte does not end the document") {
  // nlohmann's lexer alone would read this as {"model":"a"} and ignore the rest.
  const std::string text = std::string(R"({"model":"a"})") + '\0' + R"({"model":"b"})";
  auto r = parse_bounded_json(text, json_bounds{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == "invalid_json");
  CHECK(parse_bounded_json(std::string("\"a\0b\"", 5), json_bounds{}).err().code ==
        "invalid_json");  // a raw NUL inside a string is no JSON either
}
