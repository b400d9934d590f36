#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "decision/model_key.hpp"
#include "decision/routing_table.hpp"

namespace llmopt::pages {

// The live dashboard the daemon serves on GET /ui: one self-contained page
// (inline CSS and script; no external URL, no CDN, so it works offline)
// whose script fetches the dashboard document (dashboard_document() below)
// every `poll_ms`, keeps the last `keep` samples in the page and redraws
// every chart as SVG: per route the share of each candidate over time (its
// routing weight), per model calls per minute, latency p50/p95, time to
// first token p50/p95, error rate and cost per minute, then the budgets per
// key and route, the newest decisions with their explanations, the pipeline
// counters per source and the dead letters by reason. Charts share the
// geometry, style and colours of the simulate report (share_chart.hpp,
// html.hpp, model_colours.hpp). Text from the document is set as text,
// never parsed as HTML.
//
// The page holds no data: what it shows comes from `data_url` with the
// browser's credentials (the dashboard cookie).
struct dashboard_page_options {
  std::string data_url = "/admin/v1/dashboard";
  int poll_ms = 2000;
  int keep = 180;  // samples kept: 6 minutes at 2 s
};
std::string dashboard_html(const dashboard_page_options& options = {});

// The sign-in page /ui shows without credentials when the admin API has a
// token: a form posting the token to /ui/session (in the body, never in a
// URL). No data. `refused`: the token just posted was wrong.
std::string dashboard_login_html(bool refused);

// What the dashboard document is made of, each read from its owner.
struct dashboard_inputs {
  time_ms at = 0;  // wall clock when gathered
  const routing_table* routes = nullptr;
  nlohmann::json models;     // GET /admin/v1/models' "models"
  nlohmann::json budgets;    // GET /admin/v1/budgets' "budgets"
  nlohmann::json pipeline;   // GET /admin/v1/pipeline
  nlohmann::json decisions;  // GET /admin/v1/decisions' "decisions"
};

// GET /admin/v1/dashboard:
//   {"at_ms": N,
//    "routes": {ROUTE: {"decision_id": N, "candidates": [{"model", "weight"}]}}
//      (candidates in the route's order),
//    "colours": {MODEL: "#rrggbb"} (model_colours.hpp over the routes),
//    "models", "budgets", "pipeline", "decisions": as given (null -> empty)}
nlohmann::json dashboard_document(const dashboard_inputs& in);

}  // namespace llmopt::pages
