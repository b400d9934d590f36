#pragma once

#include <optional>
#include <string_view>

#include "decision/model_key.hpp"

namespace llmopt {

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
// before). REQUIRES: 1 <= m <= 12, 1 <= d <= 31. Pure arithmetic: no
// locale, no time zone database, no timegm.
constexpr long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;                                    // [0, 399]
  const long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Parses an RFC 3339 date-time into epoch milliseconds:
//   YYYY-MM-DD ('T' | 't' | ' ') hh:mm:ss [. 1*DIGIT] ('Z' | 'z' | ('+' | '-') hh:mm)
// Calendar fields are range-checked (month lengths, leap years; second 60 is
// accepted as a leap second). Fractions below a millisecond are truncated.
// nullopt for anything else, including trailing characters.
std::optional<time_ms> parse_rfc3339(std::string_view text);

// The latest epoch millisecond accepted as a numeric timestamp:
// 9999-12-31T23:59:59.999Z. Numeric timestamps must lie in [0, this].
constexpr time_ms max_epoch_ms = 253402300799999LL;

}  // namespace llmopt
