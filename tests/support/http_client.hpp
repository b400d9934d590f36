#pragma once

#include <map>
#include <string>
#include <vector>

namespace llmopt::test {

struct http_response {
  long status = 0;  // 0 when the request failed before a response
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string error;                           // curl's message when status == 0
};

// One blocking HTTP request over loopback (libcurl). `headers` are
// "Name: value" lines.
http_response http_request(const std::string& method, const std::string& url,
                           const std::string& body = {},
                           const std::vector<std::string>& headers = {}, long timeout_ms = 10000);

inline http_response http_get(const std::string& url, long timeout_ms = 10000) {
  return http_request("GET", url, {}, {}, timeout_ms);
}

inline http_response http_post_json(const std::string& url, const std::string& body,
                                    long timeout_ms = 10000) {
  return http_request("POST", url, body, {"Content-Type: application/json"}, timeout_ms);
}

}  // namespace llmopt::test
