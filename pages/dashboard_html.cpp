#include "pages/dashboard_html.hpp"

#include <vector>

#include "pages/dashboard_script.hpp"
#include "pages/html.hpp"
#include "pages/model_colours.hpp"
#include "pages/share_chart.hpp"

namespace llmopt::pages {
namespace {

using nlohmann::json;

const char* const dashboard_style =
    R"(body{max-width:1000px}
h2{margin:28px 0 6px;font-size:17px}
#status{color:#555}
#status.bad,.bad{color:#c0392b}
.muted{color:#777}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px}
.bar{display:inline-block;width:80px;height:8px;background:#eee;vertical-align:middle}
.bar .fill{display:block;height:100%;background:#59a14f}
.bar .fill.soft{background:#e15759}
details{border-bottom:1px solid #eee;padding:4px 0}
summary{cursor:pointer;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;font-size:12px;background:#f7f7f7;padding:8px;margin:6px 0}
form{margin:24px 0}
input{font:inherit;padding:4px 6px;width:28em}
)";

// The sections the script fills, in reading order.
const char* const dashboard_body = R"(<h1>llmopt</h1>
<p id="status">waiting for the first answer of the daemon…</p>
<h2>Traffic per route</h2>
<div id="routes"></div>
<h2>Models</h2>
<div id="models"></div>
<div id="charts"></div>
<h2>Budgets</h2>
<div id="budgets"></div>
<h2>Recent decisions</h2>
<div id="decisions"></div>
<h2>Pipeline</h2>
<div id="pipeline"></div>
<h2>Dead letters</h2>
<div id="dlq"></div>
)";

const json& or_empty(const json& j, const json& empty) {
  return j.is_null() ? empty : j;
}

}  // namespace

std::string dashboard_html(const dashboard_page_options& options) {
  const json config = {{"url", options.data_url},
                       {"poll_ms", options.poll_ms},
                       {"keep", options.keep},
                       {"layout", chart_layout_json()},
                       {"palette", model_palette}};
  return html_page({"llmopt dashboard", dashboard_style, dashboard_body,
                    "const CFG = " + script_json(config) + ";\n" + dashboard_script});
}

std::string dashboard_login_html(bool refused) {
  std::string body = "<h1>llmopt</h1>\n";
  if (refused) body += "<p class=\"bad\">That is not the admin token.</p>\n";
  body += R"(<p>The dashboard reads the admin API: sign in with the admin token
(the value of the variable <code>admin.token</code> names). The browser keeps
it as a cookie for this address only, for reading.</p>
<form method="post" action="/ui/session">
<label>admin token <input type="password" name="token" autocomplete="current-password" autofocus></label>
<button type="submit">sign in</button>
</form>
)";
  return html_page({"llmopt dashboard: sign in", dashboard_style, std::move(body), ""});
}

json dashboard_document(const dashboard_inputs& in) {
  static const json no_array = json::array();
  static const json no_object = json::object();
  json routes = json::object();
  std::vector<std::vector<std::string>> models_per_route;
  if (in.routes)
    for (const auto& [name, weights] : *in.routes) {
      json candidates = json::array();
      models_per_route.emplace_back();
      for (const auto& [model, weight] : weights.weights) {
        candidates.push_back({{"model", model}, {"weight", weight}});
        models_per_route.back().push_back(model);
      }
      routes[name] = {{"decision_id", weights.decision_id}, {"candidates", std::move(candidates)}};
    }
  return {{"at_ms", in.at},
          {"routes", std::move(routes)},
          {"colours", model_colours(models_per_route)},
          {"models", or_empty(in.models, no_object)},
          {"budgets", or_empty(in.budgets, no_array)},
          {"pipeline", or_empty(in.pipeline, no_object)},
          {"decisions", or_empty(in.decisions, no_array)}};
}

}  // namespace llmopt::pages
