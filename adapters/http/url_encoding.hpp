#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmopt::http {

// "%3A" -> ':'; an invalid escape is kept as is.
std::string percent_decode(std::string_view s);

// The value of the first `key` in a query string ("a=1&b=2"), not decoded;
// "" for a key without '=', nullopt when the key is absent.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

// A field of an application/x-www-form-urlencoded body ("token=a%2Bb"):
// query_param's value with '+' read as a space, then percent-decoded.
std::optional<std::string> form_value(std::string_view body, std::string_view key);

}  // namespace llmopt::http
