#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"

namespace llmopt {

// How much of a JSON document from outside (a client's request, a provider's
// reply or stream event) llmopt agrees to read.
struct json_bounds {
  std::size_t max_bytes = 64u << 20;
  // Nesting of arrays and objects: "[]" is depth 1, "[[1]]" depth 2. Every
  // recursive operation on a parsed document (copy, dump, compare) is
  // bounded by this, so it must stay small enough for any thread's stack.
  std::size_t max_depth = 64;
};

// Parses `text` as one JSON value within `bounds`. The depth is checked by a
// linear scan before anything recursive runs, so no input, however deep,
// can exhaust the stack. Errors:
//   too_large    — more than max_bytes;
//   too_deep     — nested deeper than max_depth; error.field names the
//                  top-level member it happens under ("messages"), if any;
//   invalid_json — not one well-formed JSON value (UTF-8 included).
result<nlohmann::json> parse_bounded_json(std::string_view text, const json_bounds& bounds);

// The nesting depth of `text` (as json_bounds counts it), scanning at most
// until it passes `limit`; returns limit + 1 then. Strings are skipped, so
// brackets inside them do not count. Does not validate the JSON.
std::size_t json_depth(std::string_view text, std::size_t limit);

// `value` as compact JSON text; invalid UTF-8 in strings becomes U+FFFD
// instead of throwing. REQUIRES: value no deeper than a json_bounds allowed.
std::string dump_json(const nlohmann::json& value);

}  // namespace llmopt
