#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llmopt {

// One thread driving a libcurl multi handle: many HTTP calls in flight at
// once, connections kept alive and reused across calls, HTTP/2 (multiplexed)
// when the server offers it over TLS.
//
// Threading: submit() may be called from any thread; every `done` runs on the
// loop's own thread, so it must not block (hand work off instead). The
// destructor must not run on the loop thread (i.e. not inside a `done`).
class curl_loop {
 public:
  struct http_call {
    std::string method = "POST";
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines
    std::string body;
    long timeout_ms = 30000;  // whole call, connect included
  };

  struct http_result {
    long status = 0;  // HTTP status of a complete response; 0: no (complete) response
    std::string body;
    double latency_ms = 0;  // from the start of the transfer to its end
    bool timed_out = false;
    std::string error;  // libcurl's message when status == 0
  };

  curl_loop();
  // Stops the loop thread. Calls still in flight or queued complete with an
  // error ("curl loop stopped") on the loop thread before it exits.
  ~curl_loop();
  curl_loop(const curl_loop&) = delete;
  curl_loop& operator=(const curl_loop&) = delete;

  // Queues one call. `done` runs exactly once, on the loop thread (or on the
  // caller's thread when the loop is already stopping).
  void submit(http_call call, std::function<void(http_result)> done);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace llmopt
