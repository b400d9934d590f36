#pragma once

#include <optional>
#include <string>

#include "actors/caller.hpp"
#include "actors/client_api.hpp"
#include "actors/key_snapshot.hpp"
#include "adapters/http/message.hpp"
#include "decision/result.hpp"
#include "store/digest.hpp"

namespace llmopt {

// The authentication stage of the request path, and the admin API's token
// check. Pure functions of the request and a key table; called on the HTTP
// threads. Nothing here logs, and no error repeats what the client sent.

// Who sent `req`: the key in `Authorization: Bearer KEY` or `x-api-key:
// KEY`, looked up by its SHA-256 in `keys` and compared in constant time.
// When `required` is false, a missing key, or a credential that is not an
// llmopt key (not "llmopt-..."), is an empty caller; an llmopt key is
// always checked. Errors (in client_api's terms): 401
// invalid_api_key for a missing, unknown or revoked key.
result<caller> authenticate(const http::request& req, const key_table& keys, bool required);

// The 403 for a caller whose key may not use `target` (a route name or a
// provider:model); nullopt when it may. An empty caller may use everything.
std::optional<api_error> forbidden_target(const caller& who, const std::string& target);

// The error of authenticate() as the client's answer.
api_error unauthenticated(const error& e);

// Whether `req` carries `Authorization: Bearer TOKEN` with the admin token
// whose digest is `token` (constant-time comparison).
bool admin_authorized(const http::request& req, const sha256_digest& token);

// The dashboard's sign-in (GET /ui) as a cookie: `llmopt_admin` holding the
// admin token's SHA-256 in hex, not the token, so the browser never holds a
// credential that could authorize a state-changing call, even as a Bearer.
constexpr const char* admin_cookie_name = "llmopt_admin";
// The Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no
// other site's page sends it), Path=/.
std::string admin_cookie_of(const sha256_digest& token);
// Whether `req` is a GET carrying that cookie for `token` (constant-time
// comparison). Any other method never is: a cookie never authorizes a POST.
bool admin_cookie_authorized(const http::request& req, const sha256_digest& token);

}  // namespace llmopt
