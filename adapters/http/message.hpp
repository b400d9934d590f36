#pragma once

#include <functional>
#include <map>
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

// Delivers the response of one request. Call it exactly once, from any
// thread. Calls after the first, and calls after server::stop(), do nothing.
// Dropping every copy without calling it answers 500.
using responder = std::function<void(response)>;

// Handles one request. Runs on a server I/O thread and must not block: slow
// work goes elsewhere and answers through the responder later.
using handler = std::function<void(request, responder)>;

// An OpenAI-style error response:
// {"error":{"message":...,"type":...,"code":...}} with code null when empty.
response error_response(int status, std::string_view type, std::string_view message,
                        std::string_view code = {});

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace llmopt::http
