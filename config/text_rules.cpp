#include "config/text_rules.hpp"

#include <cctype>

namespace llmopt::cfg {

namespace {

bool is_non_empty(std::string_view text) {
  return !text.empty();
}

bool is_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto host = text.substr(0, colon);
  auto port = text.substr(colon + 1);
  if (host.empty() || port.empty() || port.size() > 5) return false;
  if (host.front() == '[' && host.back() != ']') return false;
  if (host.front() != '[' && host.find(':') != std::string_view::npos) return false;
  long value = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  return value <= 65535;
}

bool is_empty_or_redis_address(std::string_view text) {
  constexpr std::string_view scheme = "redis://";
  if (text.substr(0, scheme.size()) == scheme) text.remove_prefix(scheme.size());
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text.empty() || is_host_port(text);
}

bool is_plain_name(std::string_view text) {
  return !text.empty() && text.find(':') == std::string_view::npos;
}

bool is_model_id(std::string_view text) {
  auto colon = text.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < text.size();
}

bool is_empty_or_url(std::string_view text) {
  return text.empty() || is_http_url(text);
}

bool is_empty_or_reference(std::string_view text) {
  return text.empty() || secret_reference_name(text).has_value();
}

bool is_capability(std::string_view text) {
  return text == "streaming" || text == "tools" || text == "vision" || text == "json_schema";
}

}  // namespace

const text_rule capability{is_capability,
                           "\"streaming\", \"tools\", \"vision\" or \"json_schema\"",
                           "capabilities"};
const text_rule non_empty{is_non_empty, "a non-empty string", "non-empty strings"};
const text_rule host_port{is_host_port, "\"host:port\" with a port in [0, 65535]",
                          "\"host:port\" addresses"};
const text_rule redis_address{is_empty_or_redis_address, "\"host:port\" or \"redis://host:port\"",
                              "Redis addresses"};
const text_rule plain_name{is_plain_name, "a non-empty name without ':'", "names"};
const text_rule model_id{is_model_id, "a model id \"provider:model\"", "model ids"};
const text_rule http_url{is_empty_or_url, "an http:// or https:// URL", "URLs"};
const text_rule secret_reference{
    is_empty_or_reference,
    "a reference such as ${OPENAI_API_KEY}; secrets are never written in config files",
    "references"};

std::optional<std::string_view> secret_reference_name(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "${" || text.back() != '}') return std::nullopt;
  auto name = text.substr(2, text.size() - 3);
  if (std::isdigit(static_cast<unsigned char>(name.front()))) return std::nullopt;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
  return name;
}

bool is_http_url(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"})
    if (text.size() > scheme.size() && text.substr(0, scheme.size()) == scheme) return true;
  return false;
}

}  // namespace llmopt::cfg
