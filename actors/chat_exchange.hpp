#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/answer_cache.hpp"
#include "actors/attempt_plan.hpp"
#include "actors/caller.hpp"
#include "actors/client_api.hpp"
#include "actors/spend_guard.hpp"
#include "actors/upstream_guard.hpp"
#include "adapters/http/message.hpp"
#include "adapters/providers/chat_request.hpp"
#include "adapters/providers/curl_loop.hpp"
#include "decision/retry_policy.hpp"

namespace llmopt {

class call_reports;
class gateway_metrics;
class shared_ledger;

// The response cache's part in one request: where it is looked up and under
// which key (cache_key.hpp); no key: the cache is bypassed.
struct cache_ticket {
  answer_cache* cache = nullptr;  // null: no cache
  std::string key;
};

// Everything one request needs from its attempts to its answer.
struct exchange_setup {
  chat_request request;
  client_api api;
  http::responder reply;
  attempt_plan plan;  // REQUIRES: at least one attempt
  curl_loop* loop = nullptr;
  // Where every upstream call's outcome goes (call_reports.hpp): the
  // model's statistics (a call_outcome signal) and the provider key's
  // counters. A client's mistake (a request error) counts against neither
  // the model nor the key; a cancelled call against nothing.
  call_reports* reports = nullptr;
  std::string id;         // "chatcmpl-llmopt-N": the answer's id when the upstream gives none
  long long created = 0;  // Unix seconds: its "created" likewise
  caller who;             // the API key it came with
  // Budgets and key limits (owned by the loop thread; null: none), and the
  // output tokens reserved for a request without max_tokens.
  spend_guard* guard = nullptr;
  // With budgets.redis, the shared ledger in front of `guard` (owned by the
  // loop thread likewise; null: off): admission then waits for its answer,
  // on the loop, before anything else happens.
  shared_ledger* ledger = nullptr;
  long long default_max_tokens = 4096;
  // Shared upstream state (breakers, provider limits, retry budget): owned
  // by the loop's owner, outlives every exchange. REQUIRES: non-null.
  upstream_guard* upstream = nullptr;
  retry_policy retry;        // waits before trying a candidate again
  long long timeout_ms = 0;  // the request's deadline, from start_exchange(); 0: none
  cache_ticket cache;
  // Every call's duration, tokens and outcome, refusals, and what llmopt
  // added to an answer (null: not recorded); when the request was read.
  gateway_metrics* metrics = nullptr;
  std::chrono::steady_clock::time_point read_at{};
};

// Serves one request from its planned attempts, in order:
//   - first the key's rate limits and the budgets (spend_guard, or with
//     budgets.redis the shared_ledger, whose answer comes back later on the
//     loop; a client gone meanwhile only settles what it reserved): a refused
//     request makes no call; one past a soft limit tries the cheaper
//     candidates first. What it reserved is settled on what its calls were
//     billed (their usage at the candidate's price, or the provider's own
//     charge) when the exchange ends, and every billed call goes to the
//     spend ledger with its key, route, model and decision;
//   - a candidate whose breaker is open, whose provider is paused (it asked
//     to wait) or at its rpm / tpm / max_concurrent is skipped; up to
//     plan.max_attempts candidates are called;
//   - a failed call (model failure, credentials error) moves to the next
//     candidate at once; only when none is left is the last one tried again
//     after the retry policy's wait (at least what the upstream asked for),
//     up to retry.max_retries times; every call after the first takes a
//     retry from the upstream guard's budget, and without one the request
//     fails with the last error;
//   - nothing goes past the deadline (timeout_ms): each call's timeout is
//     at most the time left; when it passes, 504 deadline_exceeded (an
//     error event once the stream is committed);
//   - a non-streaming request answers with the first success, translated to
//     the client's API; a request error (400, 404, 413, 422 upstream) goes
//     back to the client as it is, without trying elsewhere;
//   - a streaming request commits to the client at the first token: until
//     then an error status, an error event or a stream that ends without a
//     token moves to the next candidate, invisibly. After it, a cut or an
//     error event is surfaced as an error event (never a clean end) and
//     counted as a failed call;
//   - the stream to the client is bounded: above 256 KiB queued the upstream
//     read is paused until the client has taken half of it;
//   - a client that goes away cancels the call in flight at once;
//   - when every attempt failed: 429 (with the shortest Retry-After) if each
//     was rate limited, 504 if the last timed out, else 502;
//   - when no candidate could be called at all: 503 circuit_open if a
//     breaker held one back, else 429 upstream_rate_limited; Retry-After
//     says when the soonest one is available again.
// Every call's outcome is reported (call_reports).
//
// Before the first attempt, a request with a cache key is looked up
// (answer_cache::open): a hit, or a request that joins an identical call in
// flight, is answered from there and makes no call, so nothing is accounted
// for it. A request that makes its call leads the flight: what its client is
// sent is teed to the followers, and its clean answer is stored. Every
// answer carries x-llmopt-cache: hit, miss, or bypass (no key).
//
// Threading: start() may be called from any thread; the exchange then runs
// on the curl loop's thread only.
void start_exchange(exchange_setup setup);

}  // namespace llmopt
