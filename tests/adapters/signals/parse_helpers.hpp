#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>

#include "adapters/signals/signal_parser.hpp"

namespace llmopt::test {

// Parses `json` as a message of `topic` and requires success; a failure
// prints the error so the test log says why.
inline typed_signal parse_ok(topic_kind topic, std::string_view json) {
  signal_parser parser;
  auto parsed = parser.parse(topic, json);
  std::string outcome = parsed ? std::string("ok") : parsed.err().code + ": " + parsed.err().detail;
  INFO(json << " → " << outcome);
  REQUIRE(parsed.ok());
  return std::move(*parsed);
}

// Parses `json` and requires failure.
inline error parse_error(topic_kind topic, std::string_view json) {
  signal_parser parser;
  auto parsed = parser.parse(topic, json);
  INFO(json);
  REQUIRE_FALSE(parsed.ok());
  return parsed.err();
}

// The body of `s` as T; requires that it is one.
template <class T>
const T& body_as(const typed_signal& s) {
  INFO("kind: " << to_string(s.kind()));
  REQUIRE(std::holds_alternative<T>(s.body));
  return std::get<T>(s.body);
}

}  // namespace llmopt::test
