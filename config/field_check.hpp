#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/schema.hpp"
#include "decision/result.hpp"

namespace llmopt::cfg {

// Turning one raw value (a TOML node, or the text of an environment variable)
// into a checked setting_value for one field. Failures are
// error{"config", "expected WHAT, got WHAT"}: the caller adds the place and
// the key. Values of secret fields are never repeated in a message.

// How messages describe what a field accepts: "an integer in [1, 64]",
// "one of text, json", "a non-empty array of model ids", "an integer in
// [0, 10], less than collector.high_watermark".
std::string expectation(const field_spec& spec);

// How a message shows a TOML value after "got": "two" (quoted), 100, 1.5,
// true, a table, an array, a date. With `secret`, a string or number is shown
// as "a literal value".
std::string describe(const toml::node& node, bool secret);

// A text value that satisfies `rule`.
result<std::string> text_from_toml(const text_rule& rule, bool secret, const toml::node& node);

// The value of entry `name` of a text map, as text: a string as written
// (checked by spec.rule), an integer, finite float or boolean in its TOML form
// ("42", "0.5", "true"). When `name` contains one of spec.secret_words (in
// any case) the value must be a string passing secret_reference, and is never
// repeated.
// REQUIRES: spec.kind == value_kind::text_map
result<std::string> entry_from_toml(const field_spec& spec, const std::string& name,
                                    const toml::node& node);

// The value of a scalar field: its kind, bounds, choices and text rule.
// REQUIRES: spec.kind is not text_list or text_map (those are read element
// by element, with text_from_toml and entry_from_toml, so each failure has
// its own place).
result<setting_value> scalar_from_toml(const field_spec& spec, const toml::node& node);

// The value of a scalar field from an environment variable's text: integers
// and numbers must be the whole text; the same bounds apply. "got" quotes the
// text.
// REQUIRES: spec.kind is not text_list or text_map
result<setting_value> scalar_from_text(const field_spec& spec, const std::string& text);

}  // namespace llmopt::cfg
