#include "bench/http_scan.hpp"

namespace llmopt::scan {

namespace {

constexpr auto npos = std::string_view::npos;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool blank(char c) {
  return c == ' ' || c == '\t';
}

bool json_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t base,
                                          std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = hex_digit(c);
    if (digit < 0 || static_cast<std::uint64_t>(digit) >= base) return std::nullopt;
    auto d = static_cast<std::uint64_t>(digit);
    if (value > (max - d) / base) return std::nullopt;  // value * base + d > max
    value = value * base + d;
  }
  return value;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::optional<std::string_view> header_value(std::string_view head, std::string_view name) {
  auto line_start = head.find("\r\n");  // skip the start line
  while (line_start != npos) {
    line_start += 2;
    auto line_end = head.find("\r\n", line_start);
    auto line = head.substr(line_start, line_end == npos ? npos : line_end - line_start);
    auto colon = line.find(':');
    if (colon == name.size() && iequals(line.substr(0, colon), name))
      return trim(line.substr(colon + 1));
    line_start = line_end;
  }
  return std::nullopt;
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  return parse_number(text, 10, max);
}

std::optional<std::uint64_t> parse_hex(std::string_view text, std::uint64_t max) {
  return parse_number(text, 16, max);
}

std::size_t json_value_at(std::string_view text, std::string_view key) {
  for (std::size_t at = 0; at < text.size();) {
    auto open = text.find('"', at);
    if (open == npos || open + key.size() + 2 > text.size()) return npos;
    at = open + 1;
    if (text.compare(at, key.size(), key) != 0 || text[at + key.size()] != '"') continue;
    auto pos = at + key.size() + 1;
    while (pos < text.size() && json_blank(text[pos]))
      ++pos;
    if (pos == text.size() || text[pos] != ':') continue;
    ++pos;
    while (pos < text.size() && json_blank(text[pos]))
      ++pos;
    return pos;
  }
  return npos;
}

std::optional<std::string_view> json_raw_string(std::string_view text, std::string_view key) {
  auto pos = json_value_at(text, key);
  if (pos == npos || pos >= text.size() || text[pos] != '"') return std::nullopt;
  for (auto end = pos + 1; end < text.size(); ++end) {
    if (text[end] == '\\')
      ++end;
    else if (text[end] == '"')
      return text.substr(pos + 1, end - pos - 1);
  }
  return std::nullopt;
}

bool json_is_true(std::string_view text, std::string_view key) {
  auto pos = json_value_at(text, key);
  return pos != npos && text.compare(pos, 4, "true") == 0;
}

std::size_t read_json_string(std::string_view text, std::size_t from, std::string& out) {
  out.clear();
  for (auto pos = from; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '"') return pos + 1;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++pos == text.size()) break;
    switch (text[pos]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u':
        out += "\\u";
        break;  // kept as written: the bench's text has none
      default:
        out += text[pos];  // \" \\ \/ and anything else as itself
    }
  }
  return npos;
}

}  // namespace llmopt::scan
