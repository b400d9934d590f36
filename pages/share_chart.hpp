#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmopt::pages {

// The geometry every chart shares, in SVG user units, so that charts
// stacked on a page can be compared by eye. The dashboard's script draws
// with the same numbers (chart_layout_json()).
struct chart_layout {
  static constexpr double width = 920;
  static constexpr double plot_left = 56;
  static constexpr double plot_width = 600;
  static constexpr double plot_height = 200;
  static constexpr double legend_left = plot_left + plot_width + 20;
  static constexpr double legend_row = 18;
};

// chart_layout as a JSON object: width, plot_left, plot_width, plot_height,
// legend_left, legend_row.
nlohmann::json chart_layout_json();

// A moment marked on every chart: a dashed line and its label.
struct chart_event {
  double at_s = 0;
  std::string label;
};

// An event placed in one of the rows of labels above the plot.
struct event_mark {
  double at_s = 0;
  std::string label;
  int row = 0;
  bool anchor_end = false;  // label left of the line, when right of it would not fit
};

// What all the share charts of a page have in common.
struct share_chart_scale {
  double duration_s = 1;  // the time axis spans [0, duration_s]
  double bucket_s = 1;    // each count covers this long
  std::vector<event_mark> events;
  int label_rows = 0;
  std::map<std::string, std::string> colours;  // by model (model_colours.hpp)
  std::string time_axis = "time (s)";          // the x axis' title
};

// Lays out `events` (those outside [0, duration_s] left out): each label, in
// time order, in the first row where it does not overlap the row's previous
// label, so that close events stay readable; past four rows the least
// crowded row takes it.
share_chart_scale make_share_chart_scale(double duration_s, double bucket_s,
                                         std::vector<chart_event> events,
                                         std::map<std::string, std::string> colours);

// Appends one <figure>: a stacked-area chart of the share of a route's
// requests each of `models` served per time bucket. `counts` holds one
// array per bucket, one count per model in `models` order. Buckets are
// drawn as steps (a bucket is one count, not a trend), first model at the
// bottom; a bucket with no requests leaves a gap. Every model of `models`
// must have a colour in `scale`. Total over `counts`: missing or
// non-numeric counts are 0.
void append_share_chart(std::string& out, const std::string& caption, const nlohmann::json& counts,
                        const std::vector<std::string>& models, const share_chart_scale& scale);

}  // namespace llmopt::pages
