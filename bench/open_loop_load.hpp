#pragma once

// An open-loop load generator for `llmopt bench gateway`: requests are due
// at a fixed arrival rate whatever the server does, and each one's latency
// counts from when it was due, so a slow server (or a generator that falls
// behind) shows in the figures instead of slowing the arrivals.

#include <string>
#include <vector>

namespace llmopt {

struct open_loop_options {
  int port = 0;  // on 127.0.0.1
  std::string path = "/v1/chat/completions";
  std::string body;                  // the JSON body sent each time
  std::vector<std::string> headers;  // extra "Name: value" lines (e.g. Authorization)
  double rps = 1000;                 // arrival rate: request i is due at start + i/rps
  double seconds = 5;                // how long requests are issued
  bool stream = false;               // answers are SSE streams to check and time
  int expect_tokens = 0;  // streams: content pieces expected, "t0 " … "t{N-1} " in order
  // When set, a substring of `body` (e.g. "0000000000") that each request
  // replaces with its own number, zero-padded to the same width: every body
  // differs (a cache misses each time) and keeps its length.
  std::string vary;
  int max_connections = 4096;
  double drain_seconds = 10;  // after the last send, wait this long at most for answers
};

// Every due request ends in exactly one of ok, http_errors, failed and
// streams_bad: due == ok + http_errors + failed + streams_bad.
struct open_loop_result {
  std::vector<double> latency_us;  // per ok answer: its due time to its last byte
  std::vector<double> ttft_us;     // ok streams: due time to the first content piece
  std::vector<double> gap_us;      // ok streams: every gap between consecutive content pieces
  unsigned long long due = 0;
  unsigned long long sent = 0;         // requests written whole to a connection
  unsigned long long ok = 0;           // 2xx, whole (streams: also checked)
  unsigned long long http_errors = 0;  // whole answers with a status other than 2xx
  // Connect refused or failed, reset, cut before the end of the answer, an
  // answer over the bounds or not HTTP, or no answer by the end of the drain.
  unsigned long long failed = 0;
  // 2xx streams whose content pieces were not exactly the expected ones in
  // order, or that did not end with [DONE].
  unsigned long long streams_bad = 0;
  int connections_opened = 0;
  double seconds = 0;          // first due time to the last whole answer
  double cpu_seconds = 0;      // CPU time of the generator's thread (the caller's)
  double max_send_lag_us = 0;  // the largest delay from a request's due time to its
                               // write: shows when the generator itself falls behind
};

// Sends `options.body` as POST requests to 127.0.0.1:port at `rps` for
// `seconds`, on the calling thread, then waits for the answers in flight at
// most `drain_seconds` after the last due time or the last send, whichever
// is later (queued requests are sent as connections free up). Returns the
// figures.
//
// A due request takes an idle keep-alive connection, or opens a new one
// (non-blocking connect, TCP_NODELAY) while fewer than `max_connections` are
// open; past that it waits in a queue, its latency still counting from its
// due time. One request at a time per connection (no pipelining). Each
// answer is read within bounds (head 64 KiB, body 8 MiB; see
// response_reader.hpp) and, for streams, its content pieces are timed and
// checked (stream_pieces.hpp): any byte sequence from the server is counted,
// never a crash. A connection the process has no descriptor for counts as
// failed. The result vectors are reserved ahead for every due request.
open_loop_result run_open_loop(const open_loop_options& options);

}  // namespace llmopt
