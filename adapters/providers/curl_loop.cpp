#include "adapters/providers/curl_loop.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "adapters/providers/curl_handles.hpp"
#include "decision/assert.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_response_bytes = 64u << 20;
constexpr std::size_t max_header_bytes = 64u << 10;
constexpr int idle_poll_ms = 1000;  // submit() and the destructor wake the loop earlier

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
  steady::time_point last_activity = steady::now();
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

// Sets up the easy handle of `t`. Returns false if libcurl refused.
bool prepare(transfer& t) {
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
  return true;
}

curl_loop::http_result result_of(transfer& t, CURLcode rc) {
  curl_loop::http_result r;
  curl_off_t total_us = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_TOTAL_TIME_T, &total_us);
  r.latency_ms = static_cast<double>(total_us) / 1000.0;
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

struct curl_loop::impl {
  struct command {
    enum class kind { cancel, resume, run, timer } what;
    call_id id = 0;
    std::function<void()> fn;
    steady::time_point due{};  // kind timer
  };

  curl::multi_handle multi;
  std::thread thread;
  std::atomic<call_id> next_id{1};
  std::mutex mu;  // guards queue, commands and stopping
  std::vector<std::unique_ptr<transfer>> queue;
  std::vector<command> commands;
  bool stopping = false;
  // Loop thread only:
  std::unordered_map<CURL*, std::unique_ptr<transfer>> active;
  std::unordered_map<call_id, CURL*> by_id;
  std::multimap<steady::time_point, std::function<void()>> timers;

  void run();
  void start_queued(std::vector<std::unique_ptr<transfer>>& batch);
  void run_commands(std::vector<command>& batch);
  void complete(CURL* easy, http_result r);
  void collect_done();
  // Runs the timers that are due; returns how long until the next one.
  int run_timers();
  // Fails stalled streams; returns how long until the next one may stall.
  int expire_idle();
  void fail_all();
  void enqueue(command c);
};

void curl_loop::impl::start_queued(std::vector<std::unique_ptr<transfer>>& batch) {
  for (auto& t : batch) {
    if (!prepare(*t) || curl_multi_add_handle(multi.get(), t->easy.get()) != CURLM_OK) {
      http_result r;
      r.error = "cannot start HTTP call (libcurl refused the request)";
      finish(t->done, std::move(r));
      continue;
    }
    CURL* key = t->easy.get();
    t->last_activity = steady::now();
    by_id.emplace(t->id, key);
    active.emplace(key, std::move(t));
  }
  batch.clear();
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

namespace {

void run_guarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("curl_loop: posted function threw: {}", e.what());
  }
}

}  // namespace

void curl_loop::impl::run_commands(std::vector<command>& batch) {
  for (auto& c : batch) {
    if (c.what == command::kind::run) {
      run_guarded(c.fn);
      continue;
    }
    if (c.what == command::kind::timer) {
      timers.emplace(c.due, std::move(c.fn));
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

int curl_loop::impl::run_timers() {
  const auto now = steady::now();
  while (!timers.empty() && timers.begin()->first <= now) {
    auto fn = std::move(timers.begin()->second);
    timers.erase(timers.begin());
    run_guarded(fn);
  }
  if (timers.empty()) return idle_poll_ms;
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(timers.begin()->first - now);
  return static_cast<int>(std::min<long long>(idle_poll_ms, wait.count() + 1));
}

int curl_loop::impl::expire_idle() {
  const auto now = steady::now();
  auto next = std::chrono::milliseconds(idle_poll_ms);
  std::vector<CURL*> stalled;
  for (auto& [easy, t] : active) {
    if (t->call.idle_timeout_ms <= 0 || t->hold) continue;
    const auto deadline = t->last_activity + std::chrono::milliseconds(t->call.idle_timeout_ms);
    if (deadline <= now)
      stalled.push_back(easy);
    else
      next = std::min(next, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                std::chrono::milliseconds(1));
  }
  for (CURL* easy : stalled) {
    auto& t = *active.at(easy);
    http_result r = result_of(t, CURLE_OPERATION_TIMEDOUT);
    r.error = "no data for " + std::to_string(t.call.idle_timeout_ms) + " ms";
    complete(easy, std::move(r));
  }
  return static_cast<int>(next.count());
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
}

void curl_loop::impl::run() {
  ::pthread_setname_np(::pthread_self(), "curl-loop");
  std::vector<std::unique_ptr<transfer>> batch;
  std::vector<command> todo;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
      batch.swap(queue);
      todo.swap(commands);
    }
    start_queued(batch);
    run_commands(todo);
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    collect_done();
    const int wait_ms = std::min(expire_idle(), run_timers());
    curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
  }
  fail_all();
}

void curl_loop::impl::enqueue(command c) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return;
    commands.push_back(std::move(c));
  }
  curl_multi_wakeup(multi.get());
}

curl_loop::curl_loop() : impl_(std::make_unique<impl>()) {
  curl::ensure_global_init();
  impl_->multi.reset(curl_multi_init());
  LLMOPT_ASSERT(impl_->multi != nullptr);
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  impl_->thread = std::thread([p = impl_.get()] { p->run(); });
}

curl_loop::~curl_loop() {
  LLMOPT_ASSERT(impl_->thread.get_id() != std::this_thread::get_id());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  curl_multi_wakeup(impl_->multi.get());
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
      t = nullptr;
    }
  }
  if (t) {
    finish(t->done, stopped_result());
    return id;
  }
  curl_multi_wakeup(impl_->multi.get());
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
