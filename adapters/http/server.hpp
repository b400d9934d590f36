#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/http/message.hpp"
#include "decision/result.hpp"

namespace boost::asio {
class io_context;
}

namespace llmopt::http {

struct server_options {
  // "HOST:PORT" to listen on; port 0 picks a free port. IPv6 as "[::1]:8080".
  std::string listen = "127.0.0.1:0";
  // I/O threads running handlers; at least 1.
  int threads = 1;
  // When set, the server runs on this io_context instead of its own, with
  // one I/O thread (`threads` is not used), so that other work on the same
  // io_context (the upstream calls' curl_loop) runs on that thread too. It
  // must outlive the server; stop() stops it.
  boost::asio::io_context* context = nullptr;
  // A request body above this is answered 413 and the connection closed.
  std::size_t max_body_bytes = 1 << 20;
  // A connection with no request (or no progress reading or writing one) for
  // this long is closed. Waiting for a handler's answer is not idle.
  std::chrono::milliseconds idle_timeout{30000};
  // The I/O threads' name (at most 15 characters), as `top -H` and
  // /proc/PID/task/*/comm show it.
  std::string thread_name = "http";
};

// An asynchronous HTTP/1.1 server (Boost.Beast underneath, hidden here):
// keep-alive, many concurrent connections, `Expect: 100-continue`.
// Requests it cannot parse get 400, oversized bodies 413, both with an
// OpenAI-style error object, and the connection is closed after them.
//
// Threading: the handler runs on the I/O threads: with threads > 1, handlers
// of different connections run concurrently (one at a time per connection).
// port(), address(), post_after() and stop() may be called from any thread,
// except that stop() and the destructor must not run on one of the server's
// own I/O threads (they join them).
class server {
 public:
  // Binds, listens and starts the I/O threads. Errors ("bind_failed",
  // "bad_address") name the address.
  static result<std::unique_ptr<server>> start(server_options options, handler on_request);

  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const;
  std::string address() const;  // "127.0.0.1:PORT"

  // Runs `fn` on a server I/O thread once `delay` has passed, without
  // blocking any thread meanwhile. After stop() it never runs (it is
  // destroyed instead).
  void post_after(std::chrono::milliseconds delay, std::function<void()> fn);

  // Idempotent: stops accepting, closes every connection, joins the I/O
  // threads. Responders still held elsewhere become no-ops.
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace llmopt::http
