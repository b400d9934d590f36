#pragma once

#include <string>
#include <variant>
#include <vector>

namespace llmopt::cfg {

// A checked setting value: integer → long long, number → double, text and
// choice → std::string, list of text → std::vector<std::string>.
using setting_value = std::variant<long long, double, std::string, std::vector<std::string>>;

// Where a value lands in a typed struct.
using setting_ref =
    std::variant<int*, long long*, double*, std::string*, std::vector<std::string>*>;

// Stores `value` through `ref`.
// REQUIRES: the alternatives match (long long into int or long long, double
// into double, string into string, list into vector); the schema's
// declarations guarantee it, a mismatch is a bug and aborts.
void assign(const setting_ref& ref, const setting_value& value);

// A number as people write it: 0.05, 2, 67108864 (no exponent below 1e15).
std::string render_number(double value);

// A string as TOML writes it: quoted, with '"', '\' and control characters
// escaped.
std::string render_string(const std::string& text);

// The value as it would be written in TOML: "text", 42, 0.05, ["a", "b"].
std::string render_value(const setting_value& value);

}  // namespace llmopt::cfg
