#include "adapters/http/cookie.hpp"

namespace llmopt::http {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name,
                                        cookie_bounds bounds) {
  if (header.size() > bounds.max_header_bytes || name.empty()) return std::nullopt;
  std::size_t pairs = 0;
  while (!header.empty() && pairs++ < bounds.max_pairs) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    header.remove_prefix(end == std::string_view::npos ? header.size() : end + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || trimmed(pair.substr(0, eq)) != name) continue;
    auto value = trimmed(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (has_control(value)) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace llmopt::http
