#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace llmopt {

// An event loop driving a libcurl multi handle: many HTTP calls in flight at
// once, connections kept alive and reused across calls, HTTP/2 (multiplexed)
// when the server offers it over TLS. Bodies of 2xx responses can be
// streamed to the caller as they arrive, with backpressure (pause/resume).
//
// The loop runs on a thread of its own, or on an io_context that one other
// thread runs (the HTTP server's, so that a request and its upstream call
// never change threads). "The loop thread" below is that thread.
//
// Threading: submit(), cancel(), resume(), post() and post_after() may be called from any
// thread; every callback (`done`, `on_body`, a posted function) runs on the
// loop thread, so it must not block (hand work off instead). The
// destructor must not run on the loop thread (i.e. not inside a callback).
class curl_loop {
 public:
  using call_id = std::uint64_t;

  struct http_call {
    std::string method = "POST";
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines
    std::string body;
    long timeout_ms = 30000;  // the whole call, connect included; 0: no limit
    // > 0: the call fails as timed out when no byte of the response arrives
    // for this long (a stalled stream). Time paused by on_body is not counted.
    long idle_timeout_ms = 0;
    // When set, the body of a 2xx response is handed here piece by piece as
    // it arrives, instead of being collected into http_result::body (bodies
    // of other statuses are still collected). Return false to be given
    // nothing more until resume(id).
    std::function<bool(std::string_view)> on_body;
  };

  struct http_result {
    long status = 0;  // HTTP status of a complete response; 0: no (complete) response
    std::string body;
    // Response headers (of the final response), names lower-cased.
    std::vector<std::pair<std::string, std::string>> headers;
    double latency_ms = 0;   // from the start of the transfer to its end
    bool timed_out = false;  // timeout_ms or idle_timeout_ms passed
    bool cancelled = false;  // by cancel()
    std::string error;       // libcurl's message when status == 0

    // The value of response header `name` (lower-case), or "".
    std::string header(std::string_view name) const;
  };

  // With a thread of its own ("curl-loop").
  curl_loop();
  // On `shared`, which exactly one thread runs, and which outlives the loop.
  // Destroy the loop once that thread has stopped running `shared`.
  explicit curl_loop(boost::asio::io_context& shared);
  // Stops the loop. Calls still in flight or queued complete with an error
  // ("curl loop stopped"): on the loop's own thread before it exits, or
  // (on a shared io_context) on the destroying thread.
  ~curl_loop();
  curl_loop(const curl_loop&) = delete;
  curl_loop& operator=(const curl_loop&) = delete;

  // Queues one call. `done` runs exactly once, on the loop thread (or on the
  // caller's thread when the loop is already stopping). Ids are never reused.
  call_id submit(http_call call, std::function<void(http_result)> done);
  // Aborts a call still running: `done` runs with cancelled = true. Does
  // nothing for a call already done.
  void cancel(call_id id);
  // Lets a call paused by its on_body returning false continue.
  void resume(call_id id);
  // Runs `fn` on the loop thread, in order with other posts and callbacks
  // (dropped, not run, once the loop is stopping).
  void post(std::function<void()> fn);
  // Runs `fn` on the loop thread once `delay_ms` have passed (dropped, not
  // run, when the loop stops first). Timers due together run in the order
  // they were set.
  void post_after(long delay_ms, std::function<void()> fn);

  struct impl;  // curl_loop.cpp's own

 private:
  explicit curl_loop(boost::asio::io_context* shared);
  std::unique_ptr<impl> impl_;
};

}  // namespace llmopt
