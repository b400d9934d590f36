#include "actors/authentication.hpp"

#include <algorithm>

#include "adapters/http/cookie.hpp"
#include "store/api_keys.hpp"
#include "store/digest.hpp"

namespace llmopt {
namespace {

// The token of `Authorization: Bearer TOKEN` (the scheme in any case); ""
// when there is none.
std::string bearer_token(const http::request& req) {
  const std::string authorization = req.header("authorization");
  const std::string scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  std::string head = authorization.substr(0, scheme.size());
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head == scheme ? authorization.substr(scheme.size()) : std::string{};
}

// The credential of a request: the Bearer token, else x-api-key (the
// Anthropic SDK's header); "" when neither is given.
std::string presented_key(const http::request& req) {
  std::string key = bearer_token(req);
  return key.empty() ? req.header("x-api-key") : key;
}

error invalid_key(std::string why) {
  return error{"invalid_api_key", std::move(why)};
}

}  // namespace

result<caller> authenticate(const http::request& req, const key_table& keys, bool required) {
  const std::string presented = presented_key(req);
  // Without auth, a credential that is not llmopt's own (the placeholder an
  // SDK must be given, a provider's key an application already sends) is
  // no key at all; an llmopt key is checked, so a revoked one stays refused.
  const bool ours = presented.rfind(key_prefix, 0) == 0;
  if (presented.empty() || (!required && !ours)) {
    if (!required) return caller{};
    return invalid_key(
        "no API key given: send it as Authorization: Bearer KEY (or x-api-key: KEY); "
        "`llmopt keys create` makes one");
  }
  const sha256_digest digest = sha256_of(presented);
  auto found = keys.by_hash.find(hex_of(digest.data(), digest.size()));
  if (found == keys.by_hash.end() || !same_digest(found->second.digest, digest))
    return invalid_key("the API key is not valid");
  if (found->second.revoked) return invalid_key("the API key has been revoked");
  return found->second.who;
}

std::optional<api_error> forbidden_target(const caller& who, const std::string& target) {
  const auto& allowed = who.policy.routes;
  if (allowed.empty() || std::find(allowed.begin(), allowed.end(), target) != allowed.end())
    return std::nullopt;
  return api_error{403, "permission_error", "model_not_allowed",
                   "the API key " + who.key_id + " may not use " + target, "model"};
}

api_error unauthenticated(const error& e) {
  return {401, "invalid_request_error", e.code, e.detail, {}};
}

bool admin_authorized(const http::request& req, const sha256_digest& token) {
  const std::string presented = bearer_token(req);
  return !presented.empty() && same_digest(sha256_of(presented), token);
}

std::string admin_cookie_of(const sha256_digest& token) {
  return std::string(admin_cookie_name) + "=" + hex_of(token.data(), token.size()) +
         "; HttpOnly; SameSite=Strict; Path=/";
}

bool admin_cookie_authorized(const http::request& req, const sha256_digest& token) {
  if (req.method != "GET") return false;
  auto value = http::cookie_value(req.header("cookie"), admin_cookie_name);
  auto presented = value ? digest_from_hex(*value) : std::nullopt;
  return presented && same_digest(*presented, token);
}

}  // namespace llmopt
