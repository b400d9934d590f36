#pragma once

#include <optional>
#include <string_view>

namespace llmopt::cfg {

// A syntax check for a text value (or each element of a list of text) beyond
// being a string. `accepts` is null when any string will do; `expectation` is
// what messages say is expected ("a non-empty string"); `plural` names a list
// of such values ("model ids").
struct text_rule {
  bool (*accepts)(std::string_view) = nullptr;
  std::string_view expectation;
  std::string_view plural;
};

// Any string but "".
extern const text_rule non_empty;
// "host:port" with a non-empty host and a port in [0, 65535]; an IPv6 host is
// bracketed ("[::1]:8080").
extern const text_rule host_port;
// Empty, or "host:port" optionally as "redis://host:port".
extern const text_rule redis_address;
// A non-empty name without ':' (providers, routes).
extern const text_rule plain_name;
// "provider:model", both parts non-empty.
extern const text_rule model_id;
// Empty, or an http:// or https:// URL with a host.
extern const text_rule http_url;
// A capability of a model: streaming, tools, vision or json_schema.
extern const text_rule capability;
// Empty, or exactly "${NAME}" with NAME an environment variable name.
extern const text_rule secret_reference;

// The NAME of a "${NAME}" reference (letters, digits, '_', not starting with
// a digit); nullopt for anything else, including "".
std::optional<std::string_view> secret_reference_name(std::string_view text);

// True for "http://X" and "https://X" with X non-empty.
bool is_http_url(std::string_view text);

}  // namespace llmopt::cfg
