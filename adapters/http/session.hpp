#pragma once

// Internal to adapters/http: included by server.cpp and session.cpp only, so
// that Beast stays out of every other translation unit.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "adapters/http/message.hpp"

namespace llmopt::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

class session;

// Shared by the server, its sessions and every responder. `open` turns false
// once, in stop() under an exclusive lock, before the io_context can go away;
// whoever posts work into the io_context from outside holds a shared lock and
// checks `open` first.
struct server_gate {
  std::shared_mutex mu;
  bool open = true;
};

// The live connections of one server, held strongly so a connection waiting
// for its handler's answer stays alive. Sessions remove themselves when they
// close (on an I/O thread); stop() takes the rest after joining the threads.
class session_registry {
 public:
  void add(std::shared_ptr<session> s);
  void remove(session* s);
  std::vector<std::shared_ptr<session>> take_all();

 private:
  std::mutex mu_;
  std::unordered_map<session*, std::shared_ptr<session>> live_;
};

struct session_config {
  std::size_t max_body_bytes = 0;
  std::chrono::milliseconds idle_timeout{0};
  const handler* on_request = nullptr;  // owned by the server, outlives sessions
  session_registry* registry = nullptr;
  std::shared_ptr<server_gate> gate;
};

// One accepted connection. Every member runs on the connection's strand:
// read a request, hand it to the handler, wait for the responder, write,
// repeat while keep-alive.
class session : public std::enable_shared_from_this<session> {
 public:
  session(net::ip::tcp::socket socket, session_config config);

  // Starts reading on the strand. Call once, after registering.
  void start();
  // Closes the socket at once. Only from the thread that stopped the server,
  // after the I/O threads are joined.
  void abort();
  // Called by the responder on the strand with the handler's answer.
  void deliver(response r, std::uint64_t request_id);

  // The connection's strand.
  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void read_request();
  void on_header(beast::error_code ec);
  void read_body();
  void on_request(beast::error_code ec);
  void on_read_error(beast::error_code ec);
  void dispatch_request();
  void write(response r, bool keep_alive);
  void on_write(beast::error_code ec, bool keep_alive);
  // Half-closes, then discards what the peer still sends (bounded by a
  // timeout) so it can read the response before the socket closes.
  void linger_close();
  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  session_config config_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> out_;
  std::vector<char> drain_;
  std::uint64_t request_id_ = 0;  // the request waiting for an answer, 0 if none
  std::uint64_t next_id_ = 1;
  bool keep_alive_ = false;
  bool closed_ = false;
};

}  // namespace llmopt::http::detail
