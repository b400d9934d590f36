#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/providers/curl_loop.hpp"
#include "adapters/providers/wire_format.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// What a call's outcome means for the request, for retries and statistics.
// A client's mistake is not a model failure; our credentials' failure is the
// provider key's; everything else that fails is the model's.
enum class outcome_class {
  ok,
  // 400, 404 (unknown model), 413, 422 and other 4xx not named below: the
  // request is at fault. Answered to the client as it is; not tried
  // elsewhere; not counted against the model.
  request_error,
  // 401, 402, 403: the provider refused our key. Counted against the
  // provider key; the next candidate is tried.
  credentials_error,
  // 408, 425, 429, 5xx, timeouts, connection errors, replies that are not
  // what the API promises, streams cut or failing: counted against the
  // model; the next candidate is tried (before a stream's first byte).
  model_failure,
  // Cancelled because the client went away: nobody's failure.
  cancelled,
};

std::string_view to_string(outcome_class c);

// The class of an HTTP status that is not 2xx.
outcome_class class_of_status(long status);

// One call to one upstream, as it ended.
struct upstream_reply {
  outcome_class outcome = outcome_class::model_failure;
  call_status status = call_status::error;  // ok, error, timeout: what statistics count
  int http_status = 0;                      // 0 when no response arrived
  std::string error;  // why not ok, for logs and the client; never contains the key
  // How long the upstream asked us to wait before calling again: the
  // longest of Retry-After (seconds or an HTTP date) and OpenAI's
  // x-ratelimit-reset-requests / -tokens; unset when it said nothing.
  std::optional<long long> wait_ms;
  double latency_ms = 0;  // start to the end of the reply or stream
  wire::token_usage usage;
  nlohmann::json completion;  // a non-streaming ok reply: the chat.completion
  // Streams: time to the first token (content, tool call or refusal), the
  // mean gap between token chunks, and output tokens per second after the
  // first token; unset when not measurable.
  std::optional<double> ttft_ms;
  std::optional<double> inter_token_ms;
  std::optional<double> output_tokens_per_s;
  bool streamed_tokens = false;  // a stream delivered at least one token
};

// Reads a finished non-streaming call: the status class, and for 2xx the
// format's reply translated (a reply that is not what the API promises is a
// model failure). `api_key` is masked out of every message.
upstream_reply read_reply(wire::format f, const curl_loop::http_result& r,
                          const wire::reply_context& ctx, const std::string& api_key);

// A "Retry-After" value in seconds (delta-seconds only; an HTTP date is
// ignored), bounded to a day.
std::optional<long long> parse_retry_after(const std::string& value);
// An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT", RFC 9110's IMF-fixdate) as
// Unix milliseconds.
std::optional<long long> parse_http_date(const std::string& value);
// A Go duration as OpenAI's x-ratelimit-reset-* headers send it ("1s",
// "6m0s", "20ms", "1.5s", "1h2m"), in milliseconds, bounded to a day.
std::optional<long long> parse_reset_duration(const std::string& value);
// The wait a response asks for (upstream_reply::wait_ms), `now_unix_ms`
// being the time an HTTP date is measured from.
std::optional<long long> requested_wait_ms(const curl_loop::http_result& r, long long now_unix_ms);
// ... measured from the wall clock now.
std::optional<long long> requested_wait_ms(const curl_loop::http_result& r);

// True when a chunk carries a token: content, a tool call or a refusal.
bool carries_token(const nlohmann::json& chunk);

}  // namespace llmopt
