#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmopt::http {

// Bounds on reading a Cookie header, which comes from outside.
struct cookie_bounds {
  std::size_t max_header_bytes = 8192;  // a longer header is not read at all
  std::size_t max_pairs = 64;           // pairs past these are not looked at
};

// The value of the first cookie called `name` in a Cookie request header
// ("a=1; b=2"; RFC 6265 section 4.2.1), surrounding spaces and one pair of
// double quotes removed; nullopt when there is none, when the header is
// over its bound, or when the value holds a control character. Total: never
// throws, reads at most `bounds.max_header_bytes` bytes.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name,
                                        cookie_bounds bounds = {});

}  // namespace llmopt::http
