#include "adapters/http/message.hpp"

#include <cstdio>

namespace llmopt::http {

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);  // UTF-8 bytes pass through unchanged
        }
    }
  }
  out.push_back('"');
  return out;
}

response error_response(int status, std::string_view type, std::string_view message,
                        std::string_view code) {
  response r;
  r.status = status;
  r.body = "{\"error\":{\"message\":" + json_quote(message) + ",\"type\":" + json_quote(type) +
           ",\"code\":" + (code.empty() ? std::string("null") : json_quote(code)) + "}}";
  return r;
}

response method_not_allowed(const request& req) {
  return error_response(405, "invalid_request_error", req.method + " is not allowed on " + req.path,
                        "method_not_allowed");
}

}  // namespace llmopt::http
