#include "adapters/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>

namespace llmopt::http::detail {
namespace {

constexpr std::uint32_t max_header_bytes = 64 * 1024;
constexpr auto linger_timeout = std::chrono::seconds(2);

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

request to_request(bhttp::request<bhttp::string_body>&& in) {
  request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : in) {
    auto name = lower(field.name_string());
    auto [it, inserted] = r.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());
  }
  r.body = std::move(in.body());
  return r;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

// -- registry ------------------------------------------------------------------

void session_registry::add(std::shared_ptr<session> s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto* key = s.get();
  live_.emplace(key, std::move(s));
}

void session_registry::remove(session* s) {
  std::shared_ptr<session> keep;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(s);
  if (it == live_.end()) return;
  keep = std::move(it->second);
  live_.erase(it);
}

std::vector<std::shared_ptr<session>> session_registry::take_all() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<session>> out;
  for (auto& [key, s] : live_)
    out.push_back(std::move(s));
  live_.clear();
  return out;
}

// -- session -------------------------------------------------------------------

session::session(net::ip::tcp::socket socket, session_config config)
    : stream_(std::move(socket)), config_(std::move(config)) {}

void session::start() {
  net::dispatch(executor(), [self = shared_from_this()] { self->read_request(); });
}

void session::abort() {
  if (channel_) channel_->closed();
  channel_.reset();
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  if (auto slot = slot_.lock()) slot->abandon();
}

void session::read_request() {
  parser_.emplace();
  parser_->body_limit(config_.max_body_bytes);
  parser_->header_limit(max_header_bytes);
  stream_.expires_after(config_.idle_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void session::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  const auto& req = parser_->get();
  if (parser_->is_done()) return on_request({});
  if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
    static const std::string continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(continue_line),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void session::read_body() {
  stream_.expires_after(config_.idle_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
}

void session::on_request(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  stream_.expires_never();  // waiting for the handler is not idle time
  dispatch_request();
}

void session::on_read_error(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    auto r =
        error_response(413, "invalid_request_error",
                       "request body exceeds " + std::to_string(config_.max_body_bytes) + " bytes",
                       "request_too_large");
    return write(std::move(r), false);
  }
  if (ec == bhttp::error::header_limit)
    return write(error_response(431, "invalid_request_error", "request header too large",
                                "header_too_large"),
                 false);
  if (ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
      is_parse_error(ec))
    return write(error_response(400, "invalid_request_error",
                                "malformed HTTP request: " + ec.message(), "bad_request"),
                 false);
  close();  // end of stream, idle timeout, reset, ...
}

void session::dispatch_request() {
  keep_alive_ = parser_->get().keep_alive();
  stream_chunked_ = parser_->get().version() >= 11;
  request req = to_request(parser_->release());
  parser_.reset();
  request_id_ = next_id_++;
  auto slot = std::make_shared<reply_slot>();
  slot->target = weak_from_this();
  slot->gate = config_.gate;
  slot->request_id = request_id_;
  slot_ = slot;
  responder reply(slot);
  watch_client();
  try {
    (*config_.on_request)(std::move(req), std::move(reply));
  } catch (const std::exception& e) {
    spdlog::error("http: handler threw: {}", e.what());
    slot->answer(error_response(500, "server_error", "internal error", "internal_error"));
  }
}

// -- watching the client while it waits ------------------------------------------

void session::watch_client() {
  if (watching_ || closed_ || buffer_.size() >= max_header_bytes) return;
  watching_ = true;
  stream_.async_read_some(
      buffer_.prepare(4096),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_watch(ec, n); });
}

void session::on_watch(beast::error_code ec, std::size_t n) {
  watching_ = false;
  if (!ec) buffer_.commit(n);
  if (closed_) return;
  if (lingering_) {
    if (ec) return close();
    buffer_.consume(buffer_.size());
    return watch_client();
  }
  if (read_after_watch_) {  // the answer is out and the read was cancelled for the next request
    read_after_watch_ = false;
    if (ec && ec != net::error::operation_aborted) return close();
    return read_request();
  }
  if (ec) return client_gone();
  watch_client();  // bytes of a pipelined request: kept in buffer_
}

void session::client_gone() {
  close();  // abandons the request in progress
}

// -- answering ------------------------------------------------------------------

void session::deliver(response r, std::uint64_t request_id) {
  if (closed_ || request_id != request_id_) return;
  request_id_ = 0;
  slot_.reset();
  write(std::move(r), keep_alive_);
}

void session::write(response r, bool keep_alive) {
  int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
  out_ = std::make_shared<bhttp::response<bhttp::string_body>>();
  auto& msg = *out_;
  msg.version(11);
  msg.result(static_cast<unsigned>(status));
  msg.set(bhttp::field::server, "llmopt");
  if (!r.content_type.empty()) msg.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers)
    msg.insert(name, value);
  msg.keep_alive(keep_alive);
  msg.body() = std::move(r.body);
  msg.prepare_payload();
  stream_.expires_after(config_.idle_timeout);
  bhttp::async_write(stream_, msg,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->on_write(ec, keep_alive);
                     });
}

void session::on_write(beast::error_code ec, bool keep_alive) {
  out_.reset();
  if (ec) return close();
  answer_complete(keep_alive);
}

void session::answer_complete(bool keep_alive) {
  if (!keep_alive) return linger_close();
  if (watching_) {  // let the watch read end, then read the next request
    read_after_watch_ = true;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  read_request();
}

// -- streamed answers -----------------------------------------------------------

namespace {

// Header values come from our own code, but a CR or LF must never split a
// header, whatever reaches them.
std::string header_safe(std::string value) {
  for (auto& c : value)
    if (c == '\r' || c == '\n') c = ' ';
  return value;
}

std::string stream_head(const response& head, bool keep_alive, bool chunked) {
  const int status = head.status >= 100 && head.status <= 999 ? head.status : 500;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status))) +
                    "\r\nServer: llmopt\r\n";
  if (!head.content_type.empty()) out += "Content-Type: " + header_safe(head.content_type) + "\r\n";
  for (const auto& [name, value] : head.headers)
    out += header_safe(name) + ": " + header_safe(value) + "\r\n";
  if (chunked) out += "Transfer-Encoding: chunked\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

void append_chunk(std::string& out, const std::string& bytes, bool chunked) {
  if (!chunked) {
    out += bytes;
    return;
  }
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  out += size;
  out += bytes;
  out += "\r\n";
}

}  // namespace

void session::start_stream(response head, std::shared_ptr<stream_channel> channel,
                           std::uint64_t request_id) {
  if (closed_ || request_id != request_id_) return channel->closed();
  if (!stream_chunked_) keep_alive_ = false;  // HTTP/1.0: the end of the body is the close
  channel_ = std::move(channel);
  stream_out_ = stream_head(head, keep_alive_, stream_chunked_);
  if (!head.body.empty()) append_chunk(stream_out_, head.body, stream_chunked_);
  flush_stream();
}

void session::stream_write(std::string bytes, std::uint64_t request_id) {
  if (closed_ || request_id != request_id_ || !channel_) return;
  append_chunk(stream_out_, bytes, stream_chunked_);
  stream_payload_ += bytes.size();
  flush_stream();
}

void session::stream_end(std::uint64_t request_id, bool cut) {
  if (closed_ || request_id != request_id_ || !channel_) return;
  stream_ending_ = true;
  stream_cut_ = cut;
  flush_stream();
}

void session::flush_stream() {
  if (stream_write_busy_ || closed_) return;
  if (stream_out_.empty()) {
    if (!stream_ending_) return;
    if (stream_cut_ || !stream_chunked_ || stream_last_sent_) return finish_stream();
    stream_out_ = "0\r\n\r\n";
    stream_last_sent_ = true;
  }
  stream_writing_.swap(stream_out_);
  stream_out_.clear();
  const std::size_t payload = stream_payload_;
  stream_payload_ = 0;
  stream_write_busy_ = true;
  stream_.expires_after(config_.idle_timeout);  // a client that stops reading is dropped
  net::async_write(stream_, net::buffer(stream_writing_),
                   [self = shared_from_this(), payload](beast::error_code ec, std::size_t) {
                     self->on_stream_written(ec, payload);
                   });
}

void session::on_stream_written(beast::error_code ec, std::size_t payload) {
  stream_write_busy_ = false;
  stream_writing_.clear();
  if (ec) return client_gone();
  stream_.expires_never();  // between writes the upstream sets the pace, not the client
  if (channel_) channel_->sent(payload);
  flush_stream();
}

void session::finish_stream() {
  const bool clean = !stream_cut_ && stream_chunked_;
  if (channel_) channel_->closed();
  channel_.reset();
  stream_ending_ = stream_cut_ = stream_last_sent_ = false;
  request_id_ = 0;
  slot_.reset();
  if (!clean) return close();  // a cut stream, or HTTP/1.0's end of body
  answer_complete(keep_alive_);
}

// -- closing --------------------------------------------------------------------

void session::linger_close() {
  if (!lingering_) {  // first call: half-close and bound the whole linger
    lingering_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_timeout);
  }
  buffer_.consume(buffer_.size());
  watch_client();  // reads and discards until the peer closes or the timeout
}

void session::close() {
  if (closed_) return;
  closed_ = true;
  if (channel_) channel_->closed();
  channel_.reset();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (request_id_ != 0)
    if (auto slot = slot_.lock()) slot->abandon();
  config_.registry->remove(this);  // may drop the last reference but the caller's
}

}  // namespace llmopt::http::detail
