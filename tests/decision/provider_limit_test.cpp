#include <catch2/catch.hpp>

#include "decision/provider_limit.hpp"

using namespace llmopt;

namespace {
using refusal = provider_limit::refusal;
}

TEST_CASE("provider limit: rpm refuses the call over the minute, and says when it frees") {
  provider_limit l({2, 0, 0});
  l.started(0, 10);
  l.started(100, 10);
  CHECK(l.check(200, 10) == refusal::rpm);
  CHECK(l.available_at(200, 10) == 60000);
  CHECK(l.check(60000, 10) == refusal::none);
  CHECK(l.calls_last_minute(60000) == 1);
}

TEST_CASE("provider limit: tpm counts the tokens of the last minute") {
  provider_limit l({0, 100, 0});
  CHECK(l.check(0, 500) == refusal::tpm);  // over the whole tpm: never fits
  l.started(0, 60);
  l.started(10, 30);
  CHECK(l.check(20, 20) == refusal::tpm);
  CHECK(l.available_at(20, 20) == 60000);
  CHECK(l.check(20, 10) == refusal::none);
  CHECK(l.tokens_last_minute(60000) == 30);
  CHECK(l.check(70010, 100) == refusal::none);  // the minute is empty again
}

TEST_CASE("provider limit: max_concurrent holds until a call finishes") {
  provider_limit l({0, 0, 1});
  l.started(0, 1);
  CHECK(l.check(1, 1) == refusal::concurrency);
  l.finished();
  CHECK(l.check(1, 1) == refusal::none);
}

TEST_CASE("provider limit: a pause refuses every call until it ends; the later pause wins") {
  provider_limit l;
  l.pause_until(5000);
  l.pause_until(3000);
  CHECK(l.check(4999, 1) == refusal::paused);
  CHECK(l.available_at(0, 1) == 5000);
  CHECK(l.check(5000, 1) == refusal::none);
  CHECK(std::string(to_string(refusal::paused)) == "paused");
}
