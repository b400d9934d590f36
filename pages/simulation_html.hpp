#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace llmopt::pages {

// The page `llmopt simulate --html FILE` writes (spec/scenario.md, "Report"):
// one self-contained HTML document (inline CSS and SVG; no script, no
// network, no external fonts) rendering `report`, the object `--json` prints
// plus "description", "duration_s", "timeline" and "events".
//
// The page holds the scenario's title and description, the overall table
// (one row per policy: utility, mean utility, normalized, good rate, cost,
// p50/p95 latency, errors, violations), then per route its table and, for the
// llmopt and oracle policies, a stacked-area chart of the share of the
// route's requests each model served per time bucket, with the events as
// dashed vertical lines. Policies are listed llmopt, uniform, round_robin,
// lowest_latency, lowest_cost, static_best, thompson, oracle, then any others by
// name.
// A model has the same colour in every chart (model_colours.hpp). The page
// shell, style and charts are those of html.hpp and share_chart.hpp.
//
// Pure and total: missing fields and nulls render as "n/a" or are left out,
// a time bucket with no requests draws nothing; every name is HTML-escaped.
std::string simulation_html(const nlohmann::json& report);

}  // namespace llmopt::pages
