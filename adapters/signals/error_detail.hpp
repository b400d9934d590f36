#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace llmopt {

// Pieces of the human-readable detail of a dead-letter error. Details echo
// parts of untrusted input, so everything shown is bounded and escaped.

// `value` quoted: at most 48 bytes, with '"', '\\' and bytes outside
// printable ASCII escaped ("\x00"); "..." follows a truncated value.
std::string quote_for_detail(std::string_view value);

// The JSON type of `value` in words: "object", "array", "integer",
// "number", "string", "boolean", "null".
const char* json_type_name(simdjson::dom::element value);

// `value` as a detail shows it: numbers by value (floats in the fewest
// digits that read back exactly), strings quoted, anything else by its
// type name.
std::string show_json_value(simdjson::dom::element value);

// "expected <expected>, got <what value is>": numbers are shown by value
// (a fractional token count), other types by type name.
std::string expected_but_got(std::string_view expected, simdjson::dom::element value);

}  // namespace llmopt
