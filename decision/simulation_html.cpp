#include "decision/simulation_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmopt {
namespace {

using nlohmann::json;

// -- reading the report -------------------------------------------------------

// j[key] when j is an object holding it, else null: a report of any shape
// renders, nothing here throws on a missing field.
const json& member(const json& j, const std::string& key) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

// j[i] when j is an array that long, else null.
const json& element(const json& j, std::size_t i) {
  static const json null_value;
  return j.is_array() && i < j.size() ? j[i] : null_value;
}

// j when it is an array (an object), else an empty one: range-for over a
// number would visit the number itself.
const json& as_array(const json& j) {
  static const json empty = json::array();
  return j.is_array() ? j : empty;
}

const json& as_object(const json& j) {
  static const json empty = json::object();
  return j.is_object() ? j : empty;
}

bool is_finite_number(const json& j) {
  return j.is_number() && std::isfinite(j.get<double>());
}

double number_or(const json& j, double fallback) {
  return is_finite_number(j) ? j.get<double>() : fallback;
}

// A string as its text, null as "", anything else as its JSON.
std::string text_of(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.is_null() ? "" : j.dump();
}

// -- text ---------------------------------------------------------------------

// Safe both as element text and inside a double-quoted attribute.
std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `value` with `decimals` decimals; a value that rounds to zero prints
// without a minus sign ("-0.0" reads as a loss that is not there).
std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string text = buf;
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

// SVG coordinates: a tenth of a unit is finer than a pixel, and keeps the
// page small.
std::string coord(double value) {
  return fixed(value, 1);
}

std::string point(double x, double y) {
  return coord(x) + "," + coord(y) + " ";
}

// -- tables -------------------------------------------------------------------

const std::vector<std::string> known_policies = {
    "llmopt", "uniform", "round_robin", "lowest_latency", "lowest_cost", "static_best", "oracle"};

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

// -- chart layout -------------------------------------------------------------

// Every chart has the same size and time axis, so that charts stacked on the
// page can be compared by eye. SVG user units.
constexpr double chart_width = 920;
constexpr double plot_left = 56;
constexpr double plot_width = 600;
constexpr double plot_height = 200;
constexpr double legend_left = plot_left + plot_width + 20;
constexpr double legend_row = 18;
constexpr double label_row = 14;
constexpr double label_char_width = 6.2;  // a rough mean at 11px sans-serif
constexpr std::size_t max_label_rows = 4;

// The plot area of a chart: x is simulated seconds over [0, duration_s],
// y is a share of requests over [0, 1].
struct chart_frame {
  double top = 0;
  double duration_s = 1;

  double x(double seconds) const { return plot_left + plot_width * seconds / duration_s; }
  double y(double share) const { return top + plot_height * (1 - share); }
  double bottom() const { return top + plot_height; }
};

// An event's dashed line and its label, in one of the rows of labels above
// the plot.
struct event_mark {
  double at_s = 0;
  std::string label;
  int row = 0;
  bool anchor_end = false;  // label left of the line, when right of it would not fit
};

// What all the charts of a page share.
struct page_scale {
  double duration_s = 1;
  double bucket_s = 1;
  std::vector<event_mark> events;
  int label_rows = 0;
  std::map<std::string, std::string> colours;  // by model
};

// Places each label (in time order) in the first row where it does not
// overlap the row's previous label, so that close events stay readable;
// past max_label_rows the least crowded row takes it. Events outside the
// simulated time are left out.
std::vector<event_mark> layout_events(const json& events, const chart_frame& frame) {
  std::vector<event_mark> marks;
  for (const auto& e : as_array(events)) {
    double at = number_or(member(e, "at_s"), -1);
    if (at >= 0 && at <= frame.duration_s) marks.push_back({at, text_of(member(e, "label"))});
  }
  std::stable_sort(marks.begin(), marks.end(),
                   [](const event_mark& a, const event_mark& b) { return a.at_s < b.at_s; });
  std::vector<double> row_ends;  // the right end of each row's last label
  for (auto& mark : marks) {
    double x = frame.x(mark.at_s);
    double width = label_char_width * static_cast<double>(mark.label.size());
    mark.anchor_end = x + 3 + width > chart_width - 4;
    double from = mark.anchor_end ? x - 3 - width : x;
    auto row =
        std::find_if(row_ends.begin(), row_ends.end(), [&](double end) { return end < from; });
    if (row == row_ends.end() && row_ends.size() < max_label_rows) {
      row = row_ends.insert(row_ends.end(), 0);
    } else if (row == row_ends.end()) {
      row = std::min_element(row_ends.begin(), row_ends.end());
    }
    mark.row = static_cast<int>(row - row_ends.begin());
    *row = std::max(*row, mark.anchor_end ? x : x + 3 + width) + 6;
  }
  return marks;
}

// A colour per model, in order of first appearance over the routes, so a
// model keeps its colour in every chart. Tableau 10: distinct, and kinder to
// colour-blind readers than pure hues; past ten models colours repeat.
std::map<std::string, std::string> model_colours(const json& timeline_routes) {
  static const char* const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  std::map<std::string, std::string> colours;
  for (const auto& route : as_object(timeline_routes)) {
    for (const auto& model : as_array(member(route, "models"))) {
      auto name = text_of(model);
      if (!colours.count(name)) colours[name] = palette[colours.size() % std::size(palette)];
    }
  }
  return colours;
}

page_scale make_page_scale(const json& report) {
  const json& timeline = member(report, "timeline");
  page_scale scale;
  scale.bucket_s = number_or(member(timeline, "bucket_s"), 0);
  scale.duration_s = number_or(member(report, "duration_s"), 0);
  // Without a duration the time axis spans the longest timeline.
  if (scale.duration_s <= 0) {
    std::size_t buckets = 0;
    for (const auto& route : as_object(member(timeline, "routes"))) {
      for (const auto& counts : as_object(member(route, "policies")))
        if (counts.is_array()) buckets = std::max(buckets, counts.size());
    }
    scale.duration_s = std::max(1.0, scale.bucket_s * static_cast<double>(buckets));
  }
  if (scale.bucket_s <= 0) scale.bucket_s = scale.duration_s;
  scale.events = layout_events(member(report, "events"), chart_frame{0, scale.duration_s});
  for (const auto& mark : scale.events)
    scale.label_rows = std::max(scale.label_rows, mark.row + 1);
  scale.colours = model_colours(member(timeline, "routes"));
  return scale;
}

// -- chart drawing ------------------------------------------------------------

// One time bucket: [start_s, end_s) and each model's fraction of the
// bucket's requests; no shares when it had none.
struct share_bucket {
  double start_s = 0;
  double end_s = 0;
  std::vector<double> shares;
};

std::vector<share_bucket> share_buckets(const json& counts, std::size_t models,
                                        const page_scale& scale) {
  std::vector<share_bucket> buckets;
  for (std::size_t b = 0; b < as_array(counts).size(); ++b) {
    share_bucket bucket{static_cast<double>(b) * scale.bucket_s,
                        std::min(static_cast<double>(b + 1) * scale.bucket_s, scale.duration_s),
                        {}};
    if (bucket.start_s >= scale.duration_s) break;
    std::vector<double> requests(models, 0);
    double total = 0;
    for (std::size_t m = 0; m < models; ++m) {
      requests[m] = std::max(0.0, number_or(element(counts[b], m), 0));
      total += requests[m];
    }
    if (total > 0) {
      for (auto& r : requests)
        r /= total;
      bucket.shares = std::move(requests);
    }
    buckets.push_back(std::move(bucket));
  }
  return buckets;
}

// Runs [first, last) of consecutive buckets with requests. Each run is drawn
// as its own areas, so a bucket without requests leaves a gap rather than a
// shape interpolated across it.
std::vector<std::pair<std::size_t, std::size_t>> runs_with_requests(
    const std::vector<share_bucket>& buckets) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t b = 0; b < buckets.size(); ++b) {
    if (buckets[b].shares.empty()) continue;
    if (!runs.empty() && runs.back().second == b) {
      runs.back().second = b + 1;
    } else {
      runs.emplace_back(b, b + 1);
    }
  }
  return runs;
}

// The stacked areas of one run, first model at the bottom: per model a
// polygon following the buckets as steps (a bucket is one count, not a
// trend), top edge left to right then bottom edge back. A model with no
// requests in the run draws nothing.
void append_run_areas(std::string& out, const chart_frame& frame,
                      const std::vector<share_bucket>& buckets, std::size_t first, std::size_t last,
                      const std::vector<std::string>& models, const page_scale& scale) {
  std::vector<double> below(last - first, 0);
  for (std::size_t m = 0; m < models.size(); ++m) {
    std::string points;
    std::vector<std::string> bottom_edge;  // left to right; drawn right to left
    bool drawn = false;
    for (std::size_t b = first; b < last; ++b) {
      const auto& bucket = buckets[b];
      double from = below[b - first], to = from + bucket.shares[m];
      drawn = drawn || bucket.shares[m] > 0;
      points +=
          point(frame.x(bucket.start_s), frame.y(to)) + point(frame.x(bucket.end_s), frame.y(to));
      bottom_edge.push_back(point(frame.x(bucket.end_s), frame.y(from)) +
                            point(frame.x(bucket.start_s), frame.y(from)));
      below[b - first] = to;
    }
    if (!drawn) continue;
    for (auto it = bottom_edge.rbegin(); it != bottom_edge.rend(); ++it)
      points += *it;
    points.pop_back();  // the last point's trailing space
    out += "<polygon class=\"area\" fill=\"" + scale.colours.at(models[m]) + "\" points=\"" +
           points + "\"><title>" + escape(models[m]) + "</title></polygon>\n";
  }
}

// A round step giving about eight ticks over `span`.
double tick_step(double span) {
  double raw = span / 8;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0})
    if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

std::string text_at(double x, double y, const std::string& attributes, const std::string& text) {
  return "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\"" + attributes + ">" + text +
         "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* css_class) {
  return "<line class=\"" + std::string(css_class) + "\" x1=\"" + coord(x1) + "\" y1=\"" +
         coord(y1) + "\" x2=\"" + coord(x2) + "\" y2=\"" + coord(y2) + "\"/>\n";
}

void append_axes(std::string& out, const chart_frame& frame) {
  double right = frame.x(frame.duration_s);
  for (int percent = 0; percent <= 100; percent += 25) {
    double y = frame.y(percent / 100.0);
    out += line(plot_left, y, right, y, "grid");
    out += text_at(plot_left - 6, y + 4, " text-anchor=\"end\"", std::to_string(percent) + "%");
  }
  double step = tick_step(frame.duration_s);
  // Ticks at k * step, not a running sum, so labels do not drift (0.30000004).
  for (int k = 0; k * step <= frame.duration_s * (1 + 1e-9); ++k) {
    double x = frame.x(k * step);
    char label[32];
    std::snprintf(label, sizeof label, "%g", k * step);
    out += line(x, frame.bottom(), x, frame.bottom() + 4, "axis");
    out += text_at(x, frame.bottom() + 16, " text-anchor=\"middle\"", label);
  }
  out += line(plot_left, frame.bottom(), right, frame.bottom(), "axis");
  out += text_at(plot_left + plot_width / 2, frame.bottom() + 32, " text-anchor=\"middle\"",
                 "simulated time (s)");
}

void append_events(std::string& out, const chart_frame& frame, const page_scale& scale) {
  for (const auto& mark : scale.events) {
    double x = frame.x(mark.at_s);
    double baseline = 19 + label_row * mark.row;
    out += line(x, baseline + 3, x, frame.bottom(), "event");
    out += text_at(
        mark.anchor_end ? x - 3 : x + 3, baseline,
        mark.anchor_end ? " class=\"event-label\" text-anchor=\"end\"" : " class=\"event-label\"",
        escape(mark.label));
  }
}

void append_legend(std::string& out, const chart_frame& frame,
                   const std::vector<std::string>& models, const page_scale& scale) {
  for (std::size_t m = 0; m < models.size(); ++m) {
    double y = frame.top + legend_row * static_cast<double>(m);
    out += "<rect x=\"" + coord(legend_left) + "\" y=\"" + coord(y) +
           "\" width=\"12\" height=\"12\" fill=\"" + scale.colours.at(models[m]) + "\"/>\n";
    out += text_at(legend_left + 18, y + 10, " class=\"legend\"", escape(models[m]));
  }
}

// One chart: the share of a route's requests each model served over time
// under one policy. `counts` holds one array per time bucket, one count per
// model in `models` order.
void append_share_chart(std::string& out, const std::string& caption, const json& counts,
                        const std::vector<std::string>& models, const page_scale& scale) {
  chart_frame frame{12 + label_row * scale.label_rows, scale.duration_s};
  double height =
      std::max(frame.bottom() + 40, frame.top + legend_row * static_cast<double>(models.size()));
  out += "<figure>\n<figcaption>" + escape(caption) + "</figcaption>\n<svg width=\"" +
         coord(chart_width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " +
         coord(chart_width) + " " + coord(height) + "\" role=\"img\" aria-label=\"" +
         escape(caption) + "\">\n";
  auto buckets = share_buckets(counts, models.size(), scale);
  for (const auto& [first, last] : runs_with_requests(buckets))
    append_run_areas(out, frame, buckets, first, last, models, scale);
  append_axes(out, frame);
  append_events(out, frame, scale);
  append_legend(out, frame, models, scale);
  out += "</svg>\n</figure>\n";
}

// -- page ---------------------------------------------------------------------

const char* const page_style =
    R"(body{font:14px/1.4 system-ui,sans-serif;color:#222;margin:24px;max-width:960px}
table{border-collapse:collapse;margin:8px 0 16px}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right;font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left}
figure{margin:12px 0}
figcaption{font-weight:600}
svg{max-width:100%;height:auto}
svg text{font-size:11px;fill:#333}
.grid{stroke:#e6e6e6}
.axis{stroke:#888}
.event{stroke:#c0392b;stroke-dasharray:5 4}
svg text.event-label{fill:#c0392b}
)";

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
                  const page_scale& scale) {
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
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>llmopt simulate: " + escape(name) + "</title>\n";
  out += std::string("<style>\n") + page_style + "</style>\n</head>\n<body>\n";
  out += "<h1>Scenario " + escape(name) + "</h1>\n";
  std::string description = text_of(member(report, "description"));
  if (!description.empty()) out += "<p>" + escape(description) + "</p>\n";
  out += "<p>" + escape(run_summary(report)) + "</p>\n";
  out += "<h2>All routes</h2>\n";
  append_policy_table(out, member(report, "policies"));
  page_scale scale = make_page_scale(report);
  for (const auto& route : route_names(report))
    append_route(out, route, report, scale);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace llmopt
