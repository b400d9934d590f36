#include "adapters/http/url_encoding.hpp"

#include <cctype>

namespace llmopt::http {

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
  std::size_t at = 0;
  while (at <= query.size()) {
    auto end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(at, end - at);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string{} : std::string(pair.substr(eq + 1));
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> form_value(std::string_view body, std::string_view key) {
  auto raw = query_param(body, key);
  if (!raw) return std::nullopt;
  for (auto& c : *raw)
    if (c == '+') c = ' ';
  return percent_decode(*raw);
}

}  // namespace llmopt::http
