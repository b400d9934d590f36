#pragma once

// Byte scans over HTTP heads and JSON text, without parsing them: what the
// gateway bench's fixed upstream and load generator read on their hot path.
// Pure; each scan is bounded by its input and never reads past it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmopt::scan {

bool iequals(std::string_view a, std::string_view b);

// The value of the first header `name` (case-insensitive), without the
// surrounding blanks, in `head`: the start line, then "Name: value" lines
// each ended by "\r\n". nullopt when there is none.
std::optional<std::string_view> header_value(std::string_view head, std::string_view name);

// Whether the comma-separated list `value` holds `token` (case-insensitive),
// as "chunked" in Transfer-Encoding or "close" in Connection.
bool has_token(std::string_view value, std::string_view token);

// A decimal (Content-Length) or hexadecimal (chunk size) number made of
// digits only, at most `max`; nullopt otherwise.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max);
std::optional<std::uint64_t> parse_hex(std::string_view text, std::uint64_t max);

// Where the value of the first `"key"` that is followed by a colon starts in
// the JSON text (blanks skipped); npos when there is none.
std::size_t json_value_at(std::string_view text, std::string_view key);

// The value of `"key"` when it is a string: its raw text between the quotes,
// escapes left as they are. nullopt when absent, not a string or unterminated.
std::optional<std::string_view> json_raw_string(std::string_view text, std::string_view key);

// Whether the value of `"key"` is the literal true.
bool json_is_true(std::string_view text, std::string_view key);

// Decodes the JSON string that starts just after an opening quote at
// `text[from]`, into `out`, up to its closing quote. The common escapes are
// decoded; \uXXXX is kept as written. Returns the position after the closing
// quote, or npos when the string is not terminated.
std::size_t read_json_string(std::string_view text, std::size_t from, std::string& out);

}  // namespace llmopt::scan
