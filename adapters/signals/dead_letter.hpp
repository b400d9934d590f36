#pragma once

#include <array>
#include <string_view>

namespace llmopt::dead_letter {

// The reason codes a bad signal carries to the DLQ (spec/signals.md, header
// `llmopt-error`). Every error returned by signal_parser::parse has exactly
// one of these as its code.

// Not valid JSON: syntax error, truncated, invalid UTF-8, empty, numbers out
// of double range, or nested deeper than parse_limits::max_depth.
constexpr std::string_view not_json = "not_json";
// Valid JSON whose top level is not an object.
constexpr std::string_view not_object = "not_object";
// Larger than parse_limits::max_message_bytes; checked before parsing.
constexpr std::string_view too_large = "too_large";
// An object that is none of the kinds the topic (or envelope type) carries.
constexpr std::string_view unknown_kind = "unknown_kind";
// A required field is absent, null or an empty string.
constexpr std::string_view missing_field = "missing_field";
// A field has the wrong JSON type (incl. a fractional token count).
constexpr std::string_view wrong_type = "wrong_type";
// A number outside its domain: negative count/cost/duration, a probability
// outside [0, 1], a rating outside [1, 5].
constexpr std::string_view out_of_range = "out_of_range";
// A string that is not one of the enumeration's values.
constexpr std::string_view unknown_enum = "unknown_enum";
// A timestamp that is neither RFC 3339 nor integer epoch milliseconds.
constexpr std::string_view bad_timestamp = "bad_timestamp";
// A CloudEvents envelope that is not structured-mode 1.0 with object data.
constexpr std::string_view bad_envelope = "bad_envelope";

constexpr std::array<std::string_view, 10> all_reasons{
    not_json,   not_object,   too_large,    unknown_kind,  missing_field,
    wrong_type, out_of_range, unknown_enum, bad_timestamp, bad_envelope};

}  // namespace llmopt::dead_letter
