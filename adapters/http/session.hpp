#pragma once

// Internal to adapters/http: included by server.cpp and session.cpp only, so
// that Beast stays out of every other translation unit.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <functional>
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

// The state of one streamed answer, shared by the producer's handle (a
// response_stream) and the session writing it. Producer members are
// thread-safe; session members run on the session's strand.
class stream_channel : public std::enable_shared_from_this<stream_channel> {
 public:
  // A writer that queues more than this without waiting for the socket is
  // cut off: memory per stream stays bounded whatever the producer does.
  static constexpr std::size_t max_queued_bytes = 8u << 20;

  stream_channel(std::weak_ptr<session> target, std::shared_ptr<server_gate> gate,
                 std::uint64_t request_id)
      : target_(std::move(target)), gate_(std::move(gate)), request_id_(request_id) {}

  // -- producer side --
  bool write(std::string bytes);
  void end(bool cut);
  std::size_t queued_bytes() const { return queued_.load(); }
  void when_drained(std::size_t low, std::function<void()> fn);

  // -- session side --
  void sent(std::size_t payload);  // the socket took this much payload
  void closed();                   // no more bytes will be sent: writes refused

 private:
  // Posts `fn(session&)` to the session's strand; false when the server
  // stopped or the session is gone.
  template <class F>
  bool post(F&& fn);
  void run_drained_if_due();

  std::weak_ptr<session> target_;
  std::shared_ptr<server_gate> gate_;
  std::uint64_t request_id_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> open_{true};  // false after end() or closed()
  std::mutex mu_;                 // guards drained_ and low_
  std::function<void()> drained_;
  std::size_t low_ = 0;
};

// The shared state behind one responder: answers at most once; answers 500
// when the last copy is dropped unanswered; holds the abandon callback. Any
// thread.
struct reply_slot : std::enable_shared_from_this<reply_slot> {
  std::weak_ptr<session> target;
  std::shared_ptr<server_gate> gate;
  std::uint64_t request_id = 0;
  std::atomic<bool> answered{false};

  void answer(response r);
  std::shared_ptr<response_stream> stream(response head);
  void set_on_abandon(std::function<void()> fn);
  // The client went away or the server stopped: runs the callback, once.
  void abandon();
  ~reply_slot();

 private:
  std::mutex mu_;  // guards on_abandon_ and abandoned_
  std::function<void()> on_abandon_;
  bool abandoned_ = false;
};

// One accepted connection. Every member runs on the connection's strand:
// read a request, hand it to the handler, wait for the responder (watching
// the socket meanwhile, so a client that goes away is noticed at once),
// write the answer whole or as a chunked stream, repeat while keep-alive.
class session : public std::enable_shared_from_this<session> {
 public:
  session(net::ip::tcp::socket socket, session_config config);

  // Starts reading on the strand. Call once, after registering.
  void start();
  // Closes the socket at once and abandons the request in progress. Only
  // from the thread that stopped the server, after the I/O threads are joined.
  void abort();
  // The responder's answers, posted to the strand; each is ignored unless it
  // is for the request being answered.
  void deliver(response r, std::uint64_t request_id);
  void start_stream(response head, std::shared_ptr<stream_channel> channel,
                    std::uint64_t request_id);
  void stream_write(std::string bytes, std::uint64_t request_id);
  // The stream ends: with the last chunk, or `cut` (the connection closes
  // without it once what is queued is sent).
  void stream_end(std::uint64_t request_id, bool cut);

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
  // Reads what the client sends while its request is answered: a pipelined
  // request is kept in buffer_, an end of stream or error means it is gone.
  void watch_client();
  void on_watch(beast::error_code ec, std::size_t n);
  void client_gone();
  // Writes what the stream has queued, if no write is in progress.
  void flush_stream();
  void on_stream_written(beast::error_code ec, std::size_t payload);
  void finish_stream();
  // After the last byte of an answer: the next request, or close.
  void answer_complete(bool keep_alive);
  // Half-closes, then discards what the peer still sends (bounded by a
  // timeout) so it can read the response before the socket closes.
  void linger_close();
  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  session_config config_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> out_;
  std::uint64_t request_id_ = 0;  // the request waiting for an answer, 0 if none
  std::uint64_t next_id_ = 1;
  std::weak_ptr<reply_slot> slot_;  // of request_id_
  bool keep_alive_ = false;
  bool closed_ = false;
  bool watching_ = false;          // a watch_client read is in progress
  bool read_after_watch_ = false;  // the answer is done: read the next request after it
  bool lingering_ = false;         // answered, half-closed: discarding what still comes
  // -- the streamed answer, while there is one --
  std::shared_ptr<stream_channel> channel_;
  std::string stream_out_;          // framed bytes not yet handed to a write
  std::size_t stream_payload_ = 0;  // of which payload (as the channel counts it)
  std::string stream_writing_;      // the bytes of the write in progress
  bool stream_write_busy_ = false;
  bool stream_chunked_ = true;  // HTTP/1.1; an HTTP/1.0 stream ends by closing
  bool stream_ending_ = false;  // end requested: last chunk after what is queued
  bool stream_cut_ = false;     // ... or close without it
  bool stream_last_sent_ = false;
};

}  // namespace llmopt::http::detail
