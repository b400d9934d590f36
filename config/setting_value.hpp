#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace llmopt::cfg {

// The entries of a table of text by name (kafka.properties), in file order.
// It lands in a std::map; a vector keeps setting_value as small as before
// (GCC 12 reports false maybe-uninitialized warnings on the larger variant
// a std::map alternative makes).
using text_entries = std::vector<std::pair<std::string, std::string>>;

// A checked setting value: integer → long long, number → double, text and
// choice → std::string, list of text → std::vector<std::string>, table of
// text → text_entries, boolean → bool.
using setting_value =
    std::variant<long long, double, std::string, std::vector<std::string>, text_entries, bool>;

// Where a value lands in a typed struct.
using setting_ref = std::variant<int*, long long*, double*, std::string*, std::vector<std::string>*,
                                 std::map<std::string, std::string>*, bool*>;

// Stores `value` through `ref`.
// REQUIRES: the alternatives match (long long into int or long long, double
// into double, string into string, list into vector, entries into map); the
// schema's declarations guarantee it, a mismatch is a bug and aborts.
void assign(const setting_ref& ref, const setting_value& value);

// The value stored at `ref` (an int is read as long long, a map as its
// entries in key order).
setting_value value_at(const setting_ref& ref);

// A number as people write it: 0.05, 2, 67108864 (no exponent below 1e15).
std::string render_number(double value);

// A string as TOML writes it: quoted, with '"', '\' and control characters
// escaped.
std::string render_string(const std::string& text);

// The value as it would be written in TOML: "text", 42, 0.05, ["a", "b"],
// { "a.b" = "c" } ({} when empty).
std::string render_value(const setting_value& value);

}  // namespace llmopt::cfg
