#include "adapters/providers/curl_loop.hpp"

#include <pthread.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "adapters/providers/curl_handles.hpp"
#include "decision/assert.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_response_bytes = 64u << 20;
constexpr std::size_t max_header_bytes = 64u << 10;
constexpr int idle_poll_ms = 1000;  // how often held streams are looked at for stalls

namespace net = boost::asio;
using done_fn = std::function<void(curl_loop::http_result)>;
using steady = std::chrono::steady_clock;

// One call in flight. Owned by the loop thread; the easy handle points into
// `call` (URL, body) and `body`, so a transfer never moves once registered.
struct transfer {
  curl_loop::call_id id = 0;
  curl_loop::http_call call;
  done_fn done;
  curl::easy_handle easy;
  curl::slist_handle headers;
  std::string body;
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::size_t header_bytes = 0;
  bool too_large = false;
  bool streaming = false;  // the status is 2xx and on_body takes the body
  bool hold = false;       // on_body asked for nothing more until resume()
  bool paused = false;     // libcurl holds the transfer paused
  steady::time_point started = steady::now();  // handed to libcurl
  steady::time_point last_activity = started;
  char error_text[CURL_ERROR_SIZE] = {};
};

bool is_success(long status) {
  return status >= 200 && status <= 299;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  const std::size_t bytes = size * n;
  t->last_activity = steady::now();
  if (t->call.on_body && !t->streaming) {
    long status = 0;
    curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    t->streaming = is_success(status);
  }
  if (t->streaming) {
    if (t->hold) {
      t->paused = true;
      return CURL_WRITEFUNC_PAUSE;  // libcurl keeps these bytes and offers them again
    }
    if (!t->call.on_body(std::string_view(data, bytes))) t->hold = true;
    return bytes;
  }
  if (t->body.size() + bytes > max_response_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, bytes);
  return bytes;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  const std::string_view line(data, size * n);
  t->last_activity = steady::now();
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue or a redirect)
    t->response_headers.clear();
    t->header_bytes = 0;
    return line.size();
  }
  const auto colon = line.find(':');
  t->header_bytes += line.size();
  if (colon == std::string_view::npos || t->header_bytes > max_header_bytes) return line.size();
  std::string name = trimmed(line.substr(0, colon));
  for (auto& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t->response_headers.emplace_back(std::move(name), trimmed(line.substr(colon + 1)));
  return line.size();
}

void finish(done_fn& done, curl_loop::http_result r) {
  try {
    done(std::move(r));
  } catch (const std::exception& e) {
    spdlog::error("curl_loop: completion threw: {}", e.what());
  }
}

curl_loop::http_result stopped_result() {
  curl_loop::http_result r;
  r.error = "curl loop stopped";
  return r;
}

// Sets up the easy handle of `t`; libcurl closes its sockets through
// `close_socket` (with `loop`). Returns false if libcurl refused.
bool prepare(transfer& t, curl_closesocket_callback close_socket, void* loop) {
  t.easy.reset(curl_easy_init());
  if (!t.easy) return false;
  CURL* h = t.easy.get();
  for (const auto& line : t.call.headers)
    if (!curl::append(t.headers, line.c_str())) return false;
  if (!curl::append(t.headers, "Expect:")) return false;  // no 100-continue round trip
  curl_easy_setopt(h, CURLOPT_URL, t.call.url.c_str());
  if (t.call.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (t.call.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, t.call.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, t.call.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.call.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.error_text);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t.call.timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Over TLS a new call waits for a connection being set up, to multiplex
  // on it if it turns out HTTP/2. Cleartext stays HTTP/1.1, where waiting
  // only serialises connection setup.
  if (t.call.url.rfind("https://", 0) == 0) curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, loop);
  return true;
}

curl_loop::http_result result_of(transfer& t, CURLcode rc) {
  curl_loop::http_result r;
  // Our clock, not CURLINFO_TOTAL_TIME: libcurl updates that only as it
  // works on the transfer, so a stalled or cancelled one would read short.
  r.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - t.started).count();
  r.headers = std::move(t.response_headers);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &r.status);
    r.body = std::move(t.body);
    return r;
  }
  r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
  if (t.too_large)
    r.error = "response body exceeds " + std::to_string(max_response_bytes) + " bytes";
  else
    r.error = t.error_text[0] ? std::string(t.error_text) : std::string(curl_easy_strerror(rc));
  return r;
}

}  // namespace

std::string curl_loop::http_result::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return {};
}

// The loop is libcurl's multi-socket interface on an asio io_context (epoll):
// libcurl says which sockets it waits on and when its next timeout is due,
// and is called for exactly the socket that became ready. Work per event is
// thus independent of the number of calls in flight (curl_multi_poll, which
// this replaced, polled every socket of every call on every wake-up).
struct curl_loop::impl {
  struct command {
    enum class kind { cancel, resume, run, timer } what;
    call_id id = 0;
    std::function<void()> fn;
    steady::time_point due{};  // kind timer
  };

  // One socket libcurl waits on. Shared with the waits pending on it, which
  // find it `gone` once libcurl is done with the socket.
  struct socket_watch {
    socket_watch(net::io_context& ioc, curl_socket_t fd) : fd(fd), descriptor(ioc, fd) {}
    curl_socket_t fd;
    net::posix::stream_descriptor descriptor;  // registered with epoll; never closes fd
    int wanted = 0;                             // CURL_POLL_IN, _OUT or _INOUT
    bool reading = false, writing = false;      // a wait is pending
    bool gone = false;
  };

  // Declared first: destroyed last, after every object bound to it.
  std::optional<net::io_context> own_ioc;
  net::io_context& ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;  // runs own_ioc; none on a shared io_context
  // libcurl's next timeout. Setting a timer that is due first costs a
  // system call (timerfd_settime), and libcurl moves its timeout for nearly
  // every event: so "now" is a post, and a later time leaves an earlier
  // wait armed, which re-arms for `curl_due` when it fires.
  net::steady_timer curl_timer{ioc};
  bool curl_timer_armed = false;
  steady::time_point curl_timer_at{};
  std::optional<steady::time_point> curl_due;
  bool timeout_posted = false;
  net::steady_timer idle_timer{ioc};  // the next stall check
  net::steady_timer user_timer{ioc};  // the earliest of `timers`
  bool idle_timer_set = false;
  steady::time_point idle_due{};
  std::atomic<call_id> next_id{1};
  std::mutex mu;  // guards queue, commands, drain_posted and stopping
  std::vector<std::unique_ptr<transfer>> queue;
  std::vector<command> commands;
  bool drain_posted = false;
  bool stopping = false;
  // Loop thread only:
  std::unordered_map<curl_socket_t, std::shared_ptr<socket_watch>> sockets;
  std::unordered_map<CURL*, std::unique_ptr<transfer>> active;
  std::unordered_map<call_id, CURL*> by_id;
  std::multimap<steady::time_point, std::function<void()>> timers;
  // Declared last: cleaned up first, closing its cached connections through
  // close_socket while `sockets` and the io_context still exist.
  curl::multi_handle multi;

  explicit impl(net::io_context* shared)
      : own_ioc(shared ? std::nullopt : std::make_optional<net::io_context>(1)),
        ioc(shared ? *shared : *own_ioc) {}

  void drain();
  void start_queued(std::vector<std::unique_ptr<transfer>>& batch);
  void run_commands(std::vector<command>& batch);
  // Tells libcurl that `fd` is ready (or, with CURL_SOCKET_TIMEOUT, that its
  // timeout is due), then completes the calls that ended.
  void act(curl_socket_t fd, int events);
  void watch(curl_socket_t fd, int wanted);
  void arm(const std::shared_ptr<socket_watch>& w);
  void wait_on(const std::shared_ptr<socket_watch>& w, bool read);
  void forget(curl_socket_t fd);
  void set_curl_timer(long timeout_ms);
  void arm_curl_timer(steady::time_point at);
  void complete(CURL* easy, http_result r);
  void collect_done();
  void arm_user_timer();
  void run_timers();
  // Fails stalled streams; returns how long until the next one may stall,
  // or nothing when no call in flight has an idle timeout.
  std::optional<steady::duration> expire_idle();
  void check_idle_by(steady::time_point due);
  void fail_all();
  void enqueue(command c);
  void post_drain_locked();
};

namespace {

int on_socket(CURL*, curl_socket_t fd, int what, void* loop, void*) {
  auto* p = static_cast<curl_loop::impl*>(loop);
  if (what == CURL_POLL_REMOVE)
    p->forget(fd);
  else
    p->watch(fd, what);
  return 0;
}

int on_timer(CURLM*, long timeout_ms, void* loop) {
  static_cast<curl_loop::impl*>(loop)->set_curl_timer(timeout_ms);
  return 0;
}

// The socket leaves epoll before it is closed, so that a new socket given
// the same number is never mistaken for it.
int on_close_socket(void* loop, curl_socket_t fd) {
  static_cast<curl_loop::impl*>(loop)->forget(fd);
  return ::close(fd);
}

void run_guarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("curl_loop: posted function threw: {}", e.what());
  }
}

}  // namespace

void curl_loop::impl::watch(curl_socket_t fd, int wanted) {
  auto& w = sockets[fd];
  if (!w) {
    try {
      w = std::make_shared<socket_watch>(ioc, fd);
    } catch (const std::exception& e) {  // epoll refused it: libcurl's timeout ends the call
      spdlog::error("curl_loop: cannot watch socket {}: {}", fd, e.what());
      sockets.erase(fd);
      return;
    }
  }
  w->wanted = wanted;
  arm(w);
}

void curl_loop::impl::arm(const std::shared_ptr<socket_watch>& w) {
  if ((w->wanted & CURL_POLL_IN) && !w->reading) wait_on(w, true);
  if ((w->wanted & CURL_POLL_OUT) && !w->writing) wait_on(w, false);
}

// Each wait re-arms the socket in epoll, so data libcurl left unread is
// reported again (asio's epoll is edge-triggered).
void curl_loop::impl::wait_on(const std::shared_ptr<socket_watch>& w, bool read) {
  (read ? w->reading : w->writing) = true;
  const auto type = read ? net::posix::descriptor_base::wait_read
                         : net::posix::descriptor_base::wait_write;
  w->descriptor.async_wait(type, [this, w, read](boost::system::error_code ec) {
    (read ? w->reading : w->writing) = false;
    const int direction = read ? CURL_POLL_IN : CURL_POLL_OUT;
    if (ec || w->gone || !(w->wanted & direction)) return;
    act(w->fd, read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
    if (!w->gone) arm(w);
  });
}

void curl_loop::impl::forget(curl_socket_t fd) {
  auto it = sockets.find(fd);
  if (it == sockets.end()) return;
  it->second->gone = true;
  it->second->descriptor.release();  // leaves epoll; pending waits end as aborted
  sockets.erase(it);
}

void curl_loop::impl::set_curl_timer(long timeout_ms) {
  curl_due.reset();
  if (timeout_ms < 0) return;
  if (timeout_ms == 0) {
    if (timeout_posted) return;
    timeout_posted = true;
    net::post(ioc, [this] {
      timeout_posted = false;
      act(CURL_SOCKET_TIMEOUT, 0);
    });
    return;
  }
  curl_due = steady::now() + std::chrono::milliseconds(timeout_ms);
  if (!curl_timer_armed || curl_timer_at > *curl_due) arm_curl_timer(*curl_due);
}

void curl_loop::impl::arm_curl_timer(steady::time_point at) {
  curl_timer_armed = true;
  curl_timer_at = at;
  curl_timer.expires_at(at);
  curl_timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // re-armed earlier (or stopping)
    curl_timer_armed = false;
    if (!curl_due) return;
    if (*curl_due > steady::now()) return arm_curl_timer(*curl_due);
    curl_due.reset();
    act(CURL_SOCKET_TIMEOUT, 0);
  });
}

void curl_loop::impl::act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi.get(), fd, events, &running);
  collect_done();
}

void curl_loop::impl::start_queued(std::vector<std::unique_ptr<transfer>>& batch) {
  auto earliest_stall = steady::time_point::max();
  for (auto& t : batch) {
    if (!prepare(*t, on_close_socket, this) ||
        curl_multi_add_handle(multi.get(), t->easy.get()) != CURLM_OK) {
      http_result r;
      r.error = "cannot start HTTP call (libcurl refused the request)";
      finish(t->done, std::move(r));
      continue;
    }
    CURL* key = t->easy.get();
    t->started = t->last_activity = steady::now();
    if (t->call.idle_timeout_ms > 0)
      earliest_stall = std::min(
          earliest_stall, t->last_activity + std::chrono::milliseconds(t->call.idle_timeout_ms));
    by_id.emplace(t->id, key);
    active.emplace(key, std::move(t));
  }
  batch.clear();
  if (earliest_stall != steady::time_point::max()) check_idle_by(earliest_stall);
}

void curl_loop::impl::complete(CURL* easy, http_result r) {
  auto it = active.find(easy);
  LLMOPT_ASSERT(it != active.end());
  std::unique_ptr<transfer> t = std::move(it->second);
  active.erase(it);
  by_id.erase(t->id);
  curl_multi_remove_handle(multi.get(), easy);
  finish(t->done, std::move(r));
}

void curl_loop::impl::run_commands(std::vector<command>& batch) {
  bool new_timer = false;
  for (auto& c : batch) {
    if (c.what == command::kind::run) {
      run_guarded(c.fn);
      continue;
    }
    if (c.what == command::kind::timer) {
      timers.emplace(c.due, std::move(c.fn));
      new_timer = true;
      continue;
    }
    auto found = by_id.find(c.id);
    if (found == by_id.end()) continue;  // done already (or not started: cannot be)
    CURL* easy = found->second;
    auto& t = *active.at(easy);
    if (c.what == command::kind::cancel) {
      http_result r = result_of(t, CURLE_ABORTED_BY_CALLBACK);
      r.cancelled = true;
      r.error = "cancelled";
      complete(easy, std::move(r));
    } else {
      t.hold = false;
      t.last_activity = steady::now();
      if (t.paused) {
        t.paused = false;
        curl_easy_pause(easy, CURLPAUSE_CONT);  // may call on_body at once
      }
    }
  }
  batch.clear();
  if (new_timer) arm_user_timer();
}

void curl_loop::impl::drain() {
  std::vector<std::unique_ptr<transfer>> batch;
  std::vector<command> todo;
  {
    std::lock_guard<std::mutex> lock(mu);
    drain_posted = false;
    if (stopping) return;  // fail_all takes what is queued
    batch.swap(queue);
    todo.swap(commands);
  }
  start_queued(batch);  // libcurl asks for a timeout at once, which starts them
  run_commands(todo);
}

void curl_loop::impl::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode rc = msg->data.result;  // `msg` is invalid after remove_handle
    auto it = active.find(easy);
    LLMOPT_ASSERT(it != active.end());
    complete(easy, result_of(*it->second, rc));
  }
}

void curl_loop::impl::arm_user_timer() {
  if (timers.empty()) return;
  user_timer.expires_at(timers.begin()->first);
  user_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) run_timers();
  });
}

void curl_loop::impl::run_timers() {
  while (!timers.empty() && timers.begin()->first <= steady::now()) {
    auto fn = std::move(timers.begin()->second);
    timers.erase(timers.begin());
    run_guarded(fn);
  }
  arm_user_timer();
}

std::optional<steady::duration> curl_loop::impl::expire_idle() {
  const auto now = steady::now();
  std::optional<steady::duration> next;
  auto sooner = [&next](steady::duration d) { next = next ? std::min(*next, d) : d; };
  std::vector<CURL*> stalled;
  for (auto& [easy, t] : active) {
    if (t->call.idle_timeout_ms <= 0) continue;
    if (t->hold) {  // held by the caller: looked at again later
      sooner(std::chrono::milliseconds(idle_poll_ms));
      continue;
    }
    const auto deadline = t->last_activity + std::chrono::milliseconds(t->call.idle_timeout_ms);
    if (deadline <= now)
      stalled.push_back(easy);
    else
      sooner(deadline - now + std::chrono::milliseconds(1));
  }
  for (CURL* easy : stalled) {
    auto& t = *active.at(easy);
    http_result r = result_of(t, CURLE_OPERATION_TIMEDOUT);
    r.error = "no data for " + std::to_string(t.call.idle_timeout_ms) + " ms";
    complete(easy, std::move(r));
  }
  return next;
}

void curl_loop::impl::check_idle_by(steady::time_point due) {
  if (idle_timer_set && idle_due <= due) return;
  idle_timer_set = true;
  idle_due = due;
  idle_timer.expires_at(due);
  idle_timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled by an earlier check
    idle_timer_set = false;
    if (auto next = expire_idle()) check_idle_by(steady::now() + *next);
  });
}

void curl_loop::impl::fail_all() {
  for (auto& [easy, t] : active) {
    curl_multi_remove_handle(multi.get(), easy);
    finish(t->done, stopped_result());
  }
  active.clear();
  by_id.clear();
  timers.clear();
  std::vector<std::unique_ptr<transfer>> rest;
  {
    std::lock_guard<std::mutex> lock(mu);
    rest.swap(queue);
    commands.clear();
  }
  for (auto& t : rest)
    finish(t->done, stopped_result());
  multi.reset();  // closes the cached connections (through forget)
  for (auto& [fd, w] : sockets) {
    w->gone = true;
    w->descriptor.release();
  }
  sockets.clear();
  curl_timer.cancel();
  idle_timer.cancel();
  user_timer.cancel();
}

void curl_loop::impl::post_drain_locked() {
  if (drain_posted) return;
  drain_posted = true;
  net::post(ioc, [this] { drain(); });
}

void curl_loop::impl::enqueue(command c) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) return;
  commands.push_back(std::move(c));
  post_drain_locked();
}

curl_loop::curl_loop() : curl_loop(nullptr) {}

curl_loop::curl_loop(boost::asio::io_context& shared) : curl_loop(&shared) {}

curl_loop::curl_loop(boost::asio::io_context* shared) : impl_(std::make_unique<impl>(shared)) {
  curl::ensure_global_init();
  impl_->multi.reset(curl_multi_init());
  LLMOPT_ASSERT(impl_->multi != nullptr);
  CURLM* m = impl_->multi.get();
  curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, impl_.get());
  if (shared) return;
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->thread = std::thread([p = impl_.get()] {
    ::pthread_setname_np(::pthread_self(), "curl-loop");
    p->ioc.run();
  });
}

curl_loop::~curl_loop() {
  LLMOPT_ASSERT(impl_->thread.get_id() != std::this_thread::get_id());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  if (!impl_->thread.joinable()) {  // a shared io_context: its thread has stopped
    impl_->fail_all();
    return;
  }
  net::post(impl_->ioc, [p = impl_.get()] {
    p->fail_all();
    p->ioc.stop();
  });
  impl_->thread.join();
}

curl_loop::call_id curl_loop::submit(http_call call, std::function<void(http_result)> done) {
  auto t = std::make_unique<transfer>();
  t->id = impl_->next_id.fetch_add(1);
  const call_id id = t->id;
  t->call = std::move(call);
  t->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(std::move(t));
      impl_->post_drain_locked();
      return id;
    }
  }
  finish(t->done, stopped_result());
  return id;
}

void curl_loop::cancel(call_id id) {
  impl_->enqueue({impl::command::kind::cancel, id, nullptr});
}

void curl_loop::resume(call_id id) {
  impl_->enqueue({impl::command::kind::resume, id, nullptr});
}

void curl_loop::post(std::function<void()> fn) {
  impl_->enqueue({impl::command::kind::run, 0, std::move(fn)});
}

void curl_loop::post_after(long delay_ms, std::function<void()> fn) {
  impl_->enqueue({impl::command::kind::timer, 0, std::move(fn),
                  steady::now() + std::chrono::milliseconds(std::max(0L, delay_ms))});
}

}  // namespace llmopt
