#include "adapters/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <cctype>
#include <exception>

#include <spdlog/spdlog.h>

namespace llmopt::http::detail {
namespace {

constexpr std::uint32_t max_header_bytes = 64 * 1024;
constexpr auto linger_timeout = std::chrono::seconds(2);

// The shared state behind one responder: answers at most once; answers 500
// when the last copy is dropped unanswered. Any thread.
struct reply_slot {
  std::weak_ptr<session> target;
  std::shared_ptr<server_gate> gate;
  std::uint64_t request_id = 0;
  std::atomic<bool> answered{false};

  void answer(response r) {
    if (answered.exchange(true)) return;
    std::shared_lock<std::shared_mutex> lock(gate->mu);
    if (!gate->open) return;  // the io_context may be gone
    auto s = target.lock();
    if (!s) return;
    net::post(s->executor(),
              [s, r = std::move(r), id = request_id]() mutable { s->deliver(std::move(r), id); });
  }

  ~reply_slot() {
    if (!answered.load())
      answer(
          error_response(500, "server_error", "the request handler gave no answer", "no_response"));
  }
};

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
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
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
  request req = to_request(parser_->release());
  parser_.reset();
  request_id_ = next_id_++;
  auto slot = std::make_shared<reply_slot>();
  slot->target = weak_from_this();
  slot->gate = config_.gate;
  slot->request_id = request_id_;
  responder reply = [slot](response r) { slot->answer(std::move(r)); };
  try {
    (*config_.on_request)(std::move(req), std::move(reply));
  } catch (const std::exception& e) {
    spdlog::error("http: handler threw: {}", e.what());
    slot->answer(error_response(500, "server_error", "internal error", "internal_error"));
  }
}

void session::deliver(response r, std::uint64_t request_id) {
  if (closed_ || request_id != request_id_) return;
  request_id_ = 0;
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
  if (keep_alive) return read_request();
  linger_close();
}

void session::linger_close() {
  if (drain_.empty()) {  // first call: half-close and bound the whole linger
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    drain_.resize(16 * 1024);
    stream_.expires_after(linger_timeout);
  }
  stream_.async_read_some(net::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->close();
                            self->linger_close();
                          });
}

void session::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  config_.registry->remove(this);
}

}  // namespace llmopt::http::detail
