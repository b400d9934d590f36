#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "adapters/signals/signal_parser.hpp"

namespace llmopt::fuzz {

// What signal_parser::parse promises for every input (signal_parser.hpp,
// dead_letter.hpp, error_detail.hpp and the README of adapters/signals),
// checked by the fuzz target. A broken invariant prints what broke, the
// topic, the limits and the result, then traps (__builtin_trap), which
// libFuzzer reports as a crash and saves the input of.

// One call of parse: its arguments and what it returned.
struct parse_call {
  const signal_parser& parser;
  topic_kind topic;
  std::string_view bytes;
  const result<typed_signal>& parsed;
};

// Checks the invariants of one result on its own:
// - failure: the code is one of dead_letter::all_reasons; the detail is
//   non-empty, bounded and printable ASCII; too_large exactly when the
//   message is larger than max_message_bytes; a message simdjson accepted
//   is no deeper than max_depth.
// - success: a non-empty id; a model key where the kind needs one
//   ("provider:model" where read_model_key requires it); counts >= 0;
//   numbers finite and within the domain the adapter names; enumerations
//   within range; the time within what the accepted timestamp forms yield.
void check_result(const parse_call& call);

// Checks that `limited` (same topic and bytes, other limits) agrees with
// `reference`, the result under limits at least as large: equal unless
// one of the smaller limits applies, and then too_large or not_json.
void check_same_unless_limited(const parse_call& limited, const parse_call& reference);

// The nesting depth of a valid JSON text as parse_limits::max_depth counts
// it: the top-level value is 1 and an empty array or object adds no level.
// REQUIRES: `json` is valid JSON (for any other text the number is merely
// some number).
std::size_t nesting_depth(std::string_view json);

// Text that is equal for two results exactly when they are: code and
// detail of an error, every field of a signal (doubles exactly).
std::string fingerprint(const result<typed_signal>& parsed);

}  // namespace llmopt::fuzz
