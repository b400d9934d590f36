#include <catch2/catch.hpp>

#include "adapters/providers/upstream_outcome.hpp"

using namespace llmopt;

namespace {

curl_loop::http_result with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  curl_loop::http_result r;
  r.status = 429;
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("OpenAI's x-ratelimit-reset durations read as milliseconds") {
  CHECK(parse_reset_duration("1s") == 1000);
  CHECK(parse_reset_duration("6m0s") == 360000);
  CHECK(parse_reset_duration("20ms") == 20);
  CHECK(parse_reset_duration("1.5s") == 1500);
  CHECK(parse_reset_duration("1h2m") == 3720000);
  CHECK(parse_reset_duration("999h") == 86400000);  // bounded to a day
  CHECK_FALSE(parse_reset_duration(""));
  CHECK_FALSE(parse_reset_duration("soon"));
  CHECK_FALSE(parse_reset_duration("5"));
  CHECK_FALSE(parse_reset_duration("1.2.3s"));
  CHECK_FALSE(parse_reset_duration("3d"));
}

TEST_CASE("an HTTP date reads as Unix milliseconds; other texts do not") {
  CHECK(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") == 1445412480000LL);
  CHECK_FALSE(parse_http_date("Wed, 21 Oct 2015 07:28:00 UTC"));
  CHECK_FALSE(parse_http_date("120"));
  CHECK_FALSE(parse_http_date("Wed, 99 Oct 2015 07:28:00 GMT"));
}

TEST_CASE("the wait a response asks for is the longest of its headers") {
  const long long now = 1445412480000LL;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK_FALSE(requested_wait_ms(with_headers({}), now));
  CHECK(requested_wait_ms(with_headers({{"retry-after", "7"}}), now) == 7000);
  CHECK(requested_wait_ms(with_headers({{"retry-after", "Wed, 21 Oct 2015 07:28:30 GMT"}}), now) ==
        30000);
  // A date in the past asks for no wait.
  CHECK(requested_wait_ms(with_headers({{"retry-after", "Wed, 21 Oct 2015 07:00:00 GMT"}}), now) ==
        0);
  CHECK(requested_wait_ms(with_headers({{"retry-after", "2"},
                                        {"x-ratelimit-reset-requests", "20ms"},
                                        {"x-ratelimit-reset-tokens", "6m0s"}}),
                          now) == 360000);
}
