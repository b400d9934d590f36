#pragma once

#include <optional>
#include <string>

#include "actors/gateway.hpp"
#include "adapters/http/message.hpp"
#include "store/digest.hpp"

namespace llmopt {

// The live dashboard (pages/dashboard_html.hpp) and the documents it reads:
//   GET  /ui                  the page. With an admin token configured and
//                             neither its Bearer nor the dashboard cookie
//                             (authentication.hpp), the sign-in page instead:
//                             a form, no data.
//   POST /ui/session          a form body token=TOKEN: the right token sets
//                             the cookie and redirects (303) to /ui; a wrong
//                             one is 401 with the sign-in page. The token
//                             travels in the body, never in a URL.
//   GET  /admin/v1/dashboard  what the page polls (dashboard_document): the
//                             routing table, the models, the budgets, the
//                             pipeline and the 10 newest decisions, gathered
//                             from their owners in turn
//   GET  /admin/v1/decisions?limit=N   the N (1..100, default 20) newest
//                             decisions, explained as `llmopt decisions
//                             explain` prints them
// The /admin/ paths are guarded by the gateway like every admin path (the
// cookie counts for GET only). Called on an HTTP thread; never blocks.
bool is_dashboard_path(const std::string& path);
void serve_dashboard(const http::request& req, http::responder respond, const gateway_parts& parts,
                     const std::optional<sha256_digest>& admin_token);

}  // namespace llmopt
