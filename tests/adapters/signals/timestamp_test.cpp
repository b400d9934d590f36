#include <catch2/catch.hpp>

#include "adapters/signals/timestamp.hpp"

using llmopt::days_from_civil;
using llmopt::parse_rfc3339;

TEST_CASE("timestamp: days from the civil date", "[timestamp]") {
  STATIC_REQUIRE(days_from_civil(1970, 1, 1) == 0);
  STATIC_REQUIRE(days_from_civil(1969, 12, 31) == -1);
  STATIC_REQUIRE(days_from_civil(2000, 3, 1) == 11017);
  STATIC_REQUIRE(days_from_civil(2026, 11, 21) == 20778);
  CHECK(days_from_civil(2024, 2, 29) + 1 == days_from_civil(2024, 3, 1));
}

TEST_CASE("timestamp: RFC 3339 in UTC, with fractions", "[timestamp]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2026-11-21T10:15:02Z") == 1795256102000);
  CHECK(parse_rfc3339("2026-11-21T10:15:02.113Z") == 1795256102113);
  CHECK(parse_rfc3339("2026-11-21T10:15:02.1Z") == 1795256102100);
  CHECK(parse_rfc3339("2026-11-21T10:15:02.123456789Z") == 1795256102123);  // truncated
  CHECK(parse_rfc3339("2026-11-21t10:15:02z") == 1795256102000);
  CHECK(parse_rfc3339("2026-11-21 10:15:02Z") == 1795256102000);
}

TEST_CASE("timestamp: RFC 3339 offsets move the instant", "[timestamp]") {
  CHECK(parse_rfc3339("2026-11-21T12:15:02+02:00") == 1795256102000);
  CHECK(parse_rfc3339("2026-11-21T04:45:02.5-05:30") == 1795256102500);
  CHECK(parse_rfc3339("2026-11-21T10:15:02+00:00") == 1795256102000);
  CHECK(parse_rfc3339("1970-01-01T00:30:00+01:00") == -1800000);
}

TEST_CASE("timestamp: calendar rules", "[timestamp]") {
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-02-29T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("1900-02-29T00:00:00Z").has_value());
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-04-31T00:00:00Z").has_value());
  CHECK(parse_rfc3339("2016-12-31T23:59:60Z").has_value());  // leap second
}

TEST_CASE("timestamp: anything else is rejected", "[timestamp]") {
  for (auto bad : {"",
                   "2026-11-21",
                   "2026-11-21T10:15:02",
                   "2026-11-21T10:15Z",
                   "2026-11-21T10:15:02.Z",
                   "2026-11-21T10:15:02ZZ",
                   "2026-11-21T10:15:02+0200",
                   "2026-11-21T10:15:02+24:00",
                   "2026-13-01T00:00:00Z",
                   "2026-00-01T00:00:00Z",
                   "2026-11-00T00:00:00Z",
                   "2026-11-21T24:00:00Z",
                   "2026-11-21T10:60:00Z",
                   "2026-11-21T10:15:61Z",
                   "+2026-11-21T10:15:02Z",
                   "26-11-21T10:15:02Z",
                   "2026-11-21T10:15:02 Z",
                   "yesterday",
                   "1795256102000",
                   "2026-1a-21T10:15:02Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}
