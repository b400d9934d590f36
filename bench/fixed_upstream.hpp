#pragma once

// A fixed-answer OpenAI-compatible upstream for `llmopt bench gateway`: the
// far end of a call, so cheap that the bench measures what sits between it
// and the load generator.

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include <time.h>

namespace llmopt {

struct fixed_upstream_options {
  int stream_tokens = 20;    // content chunks of a streamed answer ("t0 " … "t{N-1} ")
  int token_gap_us = 50000;  // pace between chunks (50 ms = 20 tokens/s); the first is sent at once
};

// An HTTP/1.1 server on 127.0.0.1 at a port of its own that answers every
// POST (any path) with a fixed chat completion: a chat.completion object, or,
// when the body says "stream": true, a chunked SSE stream of
// chat.completion.chunk events paced `token_gap_us` apart, then the finish
// chunk, the usage chunk and [DONE] (see fixed_answer.hpp for the bytes).
// Other methods get 405. The "model" of the request is echoed.
//
// Keep-alive and pipelined requests (answered in order, a stream before the
// next request), `Expect: 100-continue`, partial reads and writes. A request
// head over 64 KiB, a body over 1 MiB, a chunked request body or bytes that
// are not HTTP close the connection; so does the client's end of stream.
// A client that goes away mid-stream leaves nothing behind but its pending
// timer, dropped when it comes due.
//
// Lifecycle: the constructor listens and starts the one thread that serves
// every connection (epoll, a timer heap for the paced chunks); it throws
// std::system_error when it cannot listen. The destructor stops and joins
// it. The accessors may be called from any thread.
class fixed_upstream {
 public:
  explicit fixed_upstream(fixed_upstream_options options = {});
  ~fixed_upstream();
  fixed_upstream(const fixed_upstream&) = delete;
  fixed_upstream& operator=(const fixed_upstream&) = delete;

  int port() const { return port_; }
  // Requests answered: counted when the last byte of the answer is queued.
  unsigned long long answered() const { return answered_.load(); }
  // CPU time used by the serving thread so far (0 if its clock is unknown).
  double cpu_seconds() const;

  class loop;  // the serving thread's state (fixed_upstream.cpp)

 private:
  std::atomic<unsigned long long> answered_{0};
  std::unique_ptr<loop> loop_;
  int port_ = 0;
  std::optional<clockid_t> thread_clock_;  // the serving thread's CPU clock
  std::thread thread_;
};

}  // namespace llmopt
