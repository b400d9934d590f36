#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmopt::http {

// One parsed HTTP request, independent of the wire library.
struct request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/v1/models?limit=2"
  std::string path;    // target up to '?': "/v1/models" (not percent-decoded)
  std::string query;   // after '?', without it: "limit=2"; empty if none
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined with ", "
  std::string body;

  // The header's value, or `fallback` when absent. `name` must be lower-case.
  std::string header(const std::string& name, std::string fallback = {}) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::move(fallback) : it->second;
  }
};

// One response. Content-Length, Connection and Server are set by the server;
// `headers` are extra (name, value) pairs sent as given.
struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The body of a streamed response, sent as it is written (chunked transfer
// encoding). Every member is thread-safe.
class response_stream {
 public:
  virtual ~response_stream() = default;
  // Queues bytes to send; false (the bytes dropped) once the client is gone
  // or the stream has ended.
  virtual bool write(std::string bytes) = 0;
  // Ends the response once what is queued is sent. Later writes do nothing.
  // A stream dropped without end() is cut: the connection is closed without
  // the last chunk, so the client sees an incomplete response.
  virtual void end() = 0;
  // Bytes written and not yet taken by the socket.
  virtual std::size_t queued_bytes() const = 0;
  // Runs `fn` once, on an I/O thread, when queued_bytes() is at most `low`
  // (soon, if it already is), or when the client is gone. For producers that
  // stop writing above a high mark. A later call replaces an earlier `fn`.
  virtual void when_drained(std::size_t low, std::function<void()> fn) = 0;
};

namespace detail {
struct reply_slot;
}

// The answer channel of one request: copyable, every copy the same channel,
// callable from any thread. The first answer wins (a response, or a stream
// started); later ones do nothing, as do answers after server::stop().
// Dropping every copy unanswered answers 500.
class responder {
 public:
  explicit responder(std::shared_ptr<detail::reply_slot> slot) : slot_(std::move(slot)) {}

  // Answers with a complete response.
  void operator()(response r) const;

  // Answers with a streamed response: `head`'s status, content type and
  // headers (Content-Length is replaced by chunked transfer encoding) go out
  // at once, then `head.body` and whatever the stream is written. Null when
  // the request was already answered or the client is gone.
  std::shared_ptr<response_stream> stream(response head) const;

  // `fn` runs at most once, on an I/O thread, if the client goes away
  // (closes or resets its connection) before the answer is complete, or
  // the server stops first. Register before answering; a later call
  // replaces an earlier `fn`.
  void on_abandon(std::function<void()> fn) const;

 private:
  std::shared_ptr<detail::reply_slot> slot_;
};

// Handles one request. Runs on a server I/O thread and must not block: slow
// work goes elsewhere and answers through the responder later.
using handler = std::function<void(request, responder)>;

// An OpenAI-style error response:
// {"error":{"message":...,"type":...,"code":...}} with code null when empty.
response error_response(int status, std::string_view type, std::string_view message,
                        std::string_view code = {});

// 405 method_not_allowed, naming the request's method and path.
response method_not_allowed(const request& req);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace llmopt::http
