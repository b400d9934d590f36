#include "adapters/http/server.hpp"

#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "adapters/http/session.hpp"

namespace llmopt::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// "HOST:PORT" or "[V6HOST]:PORT" → endpoint.
result<tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    return error{"bad_address", "listen address '" + listen + "': expected HOST:PORT"};
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port_text = listen.substr(colon + 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), digit) ||
      std::stoi(port_text) > 65535)
    return error{"bad_address", "listen address '" + listen + "': bad port"};
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec)
    return error{"bad_address",
                 "listen address '" + listen + "': '" + host + "' is not an IP address"};
  return tcp::endpoint(addr, static_cast<unsigned short>(std::stoi(port_text)));
}

}  // namespace

struct server::impl {
  server_options options;
  handler on_request;
  std::shared_ptr<detail::server_gate> gate = std::make_shared<detail::server_gate>();
  detail::session_registry registry;
  // Declared after everything a queued handler may touch on destruction, and
  // before the objects bound to it.
  std::optional<net::io_context> own_ioc;
  net::io_context& ioc;  // own_ioc, or options.context
  tcp::acceptor acceptor{ioc};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  tcp::endpoint bound;  // the listening address, kept after stop()
  std::mutex stop_mu;
  bool stopped = false;

  impl(server_options o, handler h)
      : options(std::move(o)),
        on_request(std::move(h)),
        own_ioc(options.context ? std::nullopt
                                : std::make_optional<net::io_context>(thread_count())),
        ioc(options.context ? *options.context : *own_ioc) {}

  int thread_count() const { return options.context ? 1 : std::max(1, options.threads); }

  void accept();
  void retry_accept_later();
  void run_thread();
  void stop();
};

void server::impl::accept() {
  acceptor.async_accept(
      net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (ec) {
          spdlog::warn("http: accept on {} failed: {}", options.listen, ec.message());
          return retry_accept_later();  // e.g. out of file descriptors: back off
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        detail::session_config config{options.max_body_bytes, options.idle_timeout, &on_request,
                                      &registry, gate};
        auto s = std::make_shared<detail::session>(std::move(socket), std::move(config));
        registry.add(s);
        s->start();
        accept();
      });
}

void server::impl::retry_accept_later() {
  auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(100));
  timer->async_wait([this, timer](boost::system::error_code ec) {
    if (!ec) accept();
  });
}

void server::impl::run_thread() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {  // a post_after callback threw: keep serving
      spdlog::error("http: callback threw: {}", e.what());
    }
  }
}

void server::impl::stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu);  // a concurrent stop() waits for this one
  if (stopped) return;
  stopped = true;
  {
    std::unique_lock<std::shared_mutex> lock(gate->mu);
    gate->open = false;  // no responder or post_after touches ioc from now on
  }
  work.reset();
  ioc.stop();
  for (auto& t : threads) {
    LLMOPT_ASSERT(t.get_id() != std::this_thread::get_id());  // stop() from an I/O thread
    t.join();
  }
  threads.clear();
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto& s : registry.take_all())
    s->abort();
  // Handlers still queued (and the sessions they hold) are destroyed with ioc.
}

result<std::unique_ptr<server>> server::start(server_options options, handler on_request) {
  auto endpoint = parse_listen(options.listen);
  if (!endpoint) return endpoint.err();
  auto p = std::make_unique<impl>(std::move(options), std::move(on_request));
  boost::system::error_code ec;
  p->acceptor.open(endpoint->protocol(), ec);
  if (!ec) p->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(*endpoint, ec);
  if (!ec) p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return error{"bind_failed", "cannot listen on " + p->options.listen + ": " + ec.message()};
  p->bound = p->acceptor.local_endpoint(ec);
  p->work.emplace(p->ioc.get_executor());
  p->accept();
  const int n = p->thread_count();
  for (int i = 0; i < n; ++i)
    p->threads.emplace_back([raw = p.get()] {
      ::pthread_setname_np(::pthread_self(), raw->options.thread_name.substr(0, 15).c_str());
      raw->run_thread();
    });
  std::unique_ptr<server> s(new server(std::move(p)));
  spdlog::debug("http: listening on {}", s->address());
  return s;
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() {
  stop();
}

std::uint16_t server::port() const {
  return impl_->bound.port();
}

std::string server::address() const {
  const auto& ep = impl_->bound;
  auto host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

void server::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::shared_lock<std::shared_mutex> lock(impl_->gate->mu);
  if (!impl_->gate->open) return;  // `fn` is destroyed on return, outside any I/O thread
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

void server::stop() {
  impl_->stop();
}

}  // namespace llmopt::http
