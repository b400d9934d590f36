#include "pages/simulation_html.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pages/html.hpp"
#include "pages/json_fields.hpp"
#include "pages/model_colours.hpp"
#include "pages/share_chart.hpp"

namespace llmopt::pages {
namespace {

using nlohmann::json;

// -- tables -------------------------------------------------------------------

const std::vector<std::string> known_policies = {"llmopt",         "uniform",     "round_robin",
                                                 "lowest_latency", "lowest_cost", "static_best",
                                                 "thompson",       "oracle"};

// The names of `policies` (an object keyed by policy) in reading order: the
// known ones in the spec's order, then any others by name.
std::vector<std::string> policy_order(const json& policies) {
  std::vector<std::string> order;
  if (!policies.is_object()) return order;
  for (const auto& name : known_policies)
    if (policies.contains(name)) order.push_back(name);
  for (auto it = policies.begin(); it != policies.end(); ++it) {
    if (std::find(known_policies.begin(), known_policies.end(), it.key()) == known_policies.end())
      order.push_back(it.key());
  }
  return order;
}

struct table_column {
  const char* heading;
  const char* field;
  int decimals;
  bool percent;  // a fraction shown as a percentage
};

const table_column policy_columns[] = {
    {"utility", "utility", 1, false},       {"mean utility", "mean_utility", 3, false},
    {"normalized", "normalized", 3, false}, {"good rate", "good_rate", 1, true},
    {"cost USD", "cost_usd", 2, false},     {"p50 ms", "p50_latency_ms", 0, false},
    {"p95 ms", "p95_latency_ms", 0, false}, {"errors", "errors", 0, false},
    {"violations", "violations", 0, false},
};

// "n/a" for null (normalized is null when oracle and uniform tie), for a
// missing field and for a non-number.
std::string cell_text(const json& value, const table_column& column) {
  if (!is_finite_number(value)) return "n/a";
  double v = value.get<double>();
  return column.percent ? fixed(100 * v, column.decimals) + "%" : fixed(v, column.decimals);
}

void append_policy_table(std::string& out, const json& policies) {
  out += "<table>\n<tr><th>policy</th>";
  for (const auto& column : policy_columns)
    out += std::string("<th>") + column.heading + "</th>";
  out += "</tr>\n";
  for (const auto& name : policy_order(policies)) {
    out += "<tr><td>" + escape(name) + "</td>";
    for (const auto& column : policy_columns)
      out += "<td>" + cell_text(member(member(policies, name), column.field), column) + "</td>";
    out += "</tr>\n";
  }
  out += "</table>\n";
}

// -- chart scale --------------------------------------------------------------

// A colour per model, in order of first appearance over the timeline's
// routes (model_colours.hpp).
std::map<std::string, std::string> colours_of(const json& timeline_routes) {
  std::vector<std::vector<std::string>> models_per_route;
  for (const auto& route : as_object(timeline_routes)) {
    models_per_route.emplace_back();
    for (const auto& model : as_array(member(route, "models")))
      models_per_route.back().push_back(text_of(model));
  }
  return model_colours(models_per_route);
}

std::vector<chart_event> events_of(const json& events) {
  std::vector<chart_event> out;
  for (const auto& e : as_array(events))
    out.push_back({number_or(member(e, "at_s"), -1), text_of(member(e, "label"))});
  return out;
}

share_chart_scale make_page_scale(const json& report) {
  const json& timeline = member(report, "timeline");
  double bucket_s = number_or(member(timeline, "bucket_s"), 0);
  double duration_s = number_or(member(report, "duration_s"), 0);
  // Without a duration the time axis spans the longest timeline.
  if (duration_s <= 0) {
    std::size_t buckets = 0;
    for (const auto& route : as_object(member(timeline, "routes"))) {
      for (const auto& counts : as_object(member(route, "policies")))
        if (counts.is_array()) buckets = std::max(buckets, counts.size());
    }
    duration_s = std::max(1.0, bucket_s * static_cast<double>(buckets));
  }
  if (bucket_s <= 0) bucket_s = duration_s;
  auto scale = make_share_chart_scale(duration_s, bucket_s, events_of(member(report, "events")),
                                      colours_of(member(timeline, "routes")));
  scale.time_axis = "simulated time (s)";
  return scale;
}

// -- page ---------------------------------------------------------------------

// The charted policies: what llmopt did, against the best possible.
const char* const charted_policies[] = {"llmopt", "oracle"};

// Routes with a table or a timeline, by name.
std::set<std::string> route_names(const json& report) {
  std::set<std::string> names;
  for (const json* routes :
       {&member(report, "routes"), &member(member(report, "timeline"), "routes")})
    if (routes->is_object())
      for (auto it = routes->begin(); it != routes->end(); ++it)
        names.insert(it.key());
  return names;
}

void append_route(std::string& out, const std::string& route, const json& report,
                  const share_chart_scale& scale) {
  out += "<h2>Route " + escape(route) + "</h2>\n";
  append_policy_table(out, member(member(member(report, "routes"), route), "policies"));
  const json& timeline = member(member(member(report, "timeline"), "routes"), route);
  std::vector<std::string> models;
  for (const auto& model : as_array(member(timeline, "models")))
    models.push_back(text_of(model));
  for (const char* policy : charted_policies) {
    const json& counts = member(member(timeline, "policies"), policy);
    if (counts.is_array())
      append_share_chart(out, route + " · " + policy + ": share of requests per model", counts,
                         models, scale);
  }
}

// "seed 7 · 900 s simulated · 18000 requests", from the fields present.
std::string run_summary(const json& report) {
  std::string summary;
  auto add = [&](const char* field, const std::string& before, const std::string& after) {
    const json& value = member(report, field);
    if (!is_finite_number(value)) return;
    summary += (summary.empty() ? "" : " · ") + before + fixed(value.get<double>(), 0) + after;
  };
  add("seed", "seed ", "");
  add("duration_s", "", " s simulated");
  add("requests", "", " requests");
  return summary;
}

}  // namespace

std::string simulation_html(const json& report) {
  std::string name = text_of(member(report, "scenario"));
  std::string body = "<h1>Scenario " + escape(name) + "</h1>\n";
  std::string description = text_of(member(report, "description"));
  if (!description.empty()) body += "<p>" + escape(description) + "</p>\n";
  body += "<p>" + escape(run_summary(report)) + "</p>\n";
  body += "<h2>All routes</h2>\n";
  append_policy_table(body, member(report, "policies"));
  share_chart_scale scale = make_page_scale(report);
  for (const auto& route : route_names(report))
    append_route(body, route, report, scale);
  return html_page({"llmopt simulate: " + name, "", std::move(body), ""});
}

}  // namespace llmopt::pages
