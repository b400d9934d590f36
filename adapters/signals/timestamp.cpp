#include "adapters/signals/timestamp.hpp"

namespace llmopt {
namespace {

// Reads exactly `n` digits at `pos`; advances `pos`. False if any is not a digit.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  out = value;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads "[.digits]" and returns the milliseconds it denotes (truncated).
bool read_fraction(std::string_view s, std::size_t& pos, int& ms) {
  ms = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  ++pos;
  std::size_t digits = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (digits < 3) ms = ms * 10 + (s[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) return false;
  for (std::size_t i = digits; i < 3; ++i)
    ms *= 10;
  return true;
}

// Reads "Z" or "+hh:mm"/"-hh:mm"; `offset_min` is local time minus UTC.
bool read_offset(std::string_view s, std::size_t& pos, int& offset_min) {
  if (pos >= s.size()) return false;
  char c = s[pos++];
  if (c == 'Z' || c == 'z') {
    offset_min = 0;
    return true;
  }
  if (c != '+' && c != '-') return false;
  int hh = 0, mm = 0;
  if (!read_digits(s, pos, 2, hh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mm))
    return false;
  if (hh > 23 || mm > 59) return false;
  offset_min = (c == '-' ? -1 : 1) * (hh * 60 + mm);
  return true;
}

}  // namespace

std::optional<time_ms> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, second))
    return std::nullopt;
  int ms = 0, offset_min = 0;
  if (!read_fraction(s, pos, ms) || !read_offset(s, pos, offset_min) || pos != s.size())
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)
    return std::nullopt;
  long long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  long long seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60LL;
  return seconds * 1000 + ms;
}

}  // namespace llmopt
