#pragma once

#include <optional>
#include <string>
#include <vector>

namespace llmopt {

// How long a request waits before it tries the same candidate again.
//   exponential: base * 2^(n-1)
//   linear:      base * n
//   constant:    base
//   fibonacci:   base * fib(n)   (1, 1, 2, 3, 5, ...)
//   decorrelated jitter (AWS's "Exponential Backoff And Jitter"):
//                min(cap, uniform(base, previous * 3)), previous starting at base
// every one capped at cap_ms, for retries n = 1 .. max_retries.
enum class retry_kind { exponential, linear, constant, fibonacci, decorrelated_jitter };

struct retry_policy {
  retry_kind kind = retry_kind::exponential;
  long long base_ms = 100;
  long long cap_ms = 2000;
  int max_retries = 1;  // waits (and tries again) at most this many times per request
};

std::string to_string(retry_kind k);
std::optional<retry_kind> retry_kind_named(const std::string& name);

// The named presets, for config (route `retry`, router.retry):
//   none      no retry after a wait (failing over to other candidates still happens)
//   fast      exponential 50 ms .. 500 ms, 1 retry   (interactive chat)
//   standard  decorrelated jitter 200 ms .. 2 s, 2 retries
//   patient   decorrelated jitter 1 s .. 20 s, 4 retries (batch jobs with long deadlines)
std::optional<retry_policy> retry_preset(const std::string& name);
const std::vector<std::string>& retry_preset_names();

// The wait before retry number `retry` (1 for the first), given the wait
// before the previous one (`previous_ms`, ignored but by decorrelated
// jitter; 0 for the first) and a uniform draw u in [0, 1) (decorrelated
// jitter only). Never above cap_ms, never below 0.
long long retry_delay_ms(const retry_policy& p, int retry, long long previous_ms, double u);

}  // namespace llmopt
