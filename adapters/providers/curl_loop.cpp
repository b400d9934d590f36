#include "adapters/providers/curl_loop.hpp"

#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "adapters/providers/curl_handles.hpp"
#include "decision/assert.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_response_bytes = 64u << 20;
constexpr int idle_poll_ms = 1000;  // submit() and the destructor wake the loop earlier

using done_fn = std::function<void(curl_loop::http_result)>;

// One call in flight. Owned by the loop thread; the easy handle points into
// `call` (URL, body) and `body`, so a transfer never moves once registered.
struct transfer {
  curl_loop::http_call call;
  done_fn done;
  curl::easy_handle easy;
  curl::slist_handle headers;
  std::string body;
  bool too_large = false;
  char error_text[CURL_ERROR_SIZE] = {};
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  if (t->body.size() + size * n > max_response_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, size * n);
  return size * n;
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

struct curl_loop::impl {
  curl::multi_handle multi;
  std::thread thread;
  std::mutex mu;  // guards queue and stopping
  std::vector<std::unique_ptr<transfer>> queue;
  bool stopping = false;
  // Loop thread only:
  std::unordered_map<CURL*, std::unique_ptr<transfer>> active;

  void run();
  void start_queued(std::vector<std::unique_ptr<transfer>>& batch);
  void collect_done();
  void fail_all();
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
    active.emplace(key, std::move(t));
  }
  batch.clear();
}

void curl_loop::impl::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    auto it = active.find(msg->easy_handle);
    LLMOPT_ASSERT(it != active.end());
    std::unique_ptr<transfer> t = std::move(it->second);
    active.erase(it);
    const CURLcode rc = msg->data.result;  // `msg` is invalid after remove_handle
    curl_multi_remove_handle(multi.get(), t->easy.get());
    finish(t->done, result_of(*t, rc));
  }
}

void curl_loop::impl::fail_all() {
  for (auto& [easy, t] : active) {
    curl_multi_remove_handle(multi.get(), easy);
    finish(t->done, stopped_result());
  }
  active.clear();
  std::vector<std::unique_ptr<transfer>> rest;
  {
    std::lock_guard<std::mutex> lock(mu);
    rest.swap(queue);
  }
  for (auto& t : rest)
    finish(t->done, stopped_result());
}

void curl_loop::impl::run() {
  std::vector<std::unique_ptr<transfer>> batch;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
      batch.swap(queue);
    }
    start_queued(batch);
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    collect_done();
    curl_multi_poll(multi.get(), nullptr, 0, idle_poll_ms, nullptr);
  }
  fail_all();
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

void curl_loop::submit(http_call call, std::function<void(http_result)> done) {
  auto t = std::make_unique<transfer>();
  t->call = std::move(call);
  t->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(std::move(t));
      t = nullptr;
    }
  }
  if (t) return finish(t->done, stopped_result());
  curl_multi_wakeup(impl_->multi.get());
}

}  // namespace llmopt
