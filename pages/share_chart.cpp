#include "pages/share_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "pages/html.hpp"
#include "pages/json_fields.hpp"

namespace llmopt::pages {
namespace {

using nlohmann::json;
using layout = chart_layout;

constexpr double label_row = 14;
constexpr double label_char_width = 6.2;  // a rough mean at 11px sans-serif
constexpr std::size_t max_label_rows = 4;

// SVG coordinates: a tenth of a unit is finer than a pixel, and keeps the
// page small.
std::string coord(double value) {
  return fixed(value, 1);
}

std::string point(double x, double y) {
  return coord(x) + "," + coord(y) + " ";
}

// The plot area of a chart: x is seconds over [0, duration_s], y is a share
// of requests over [0, 1].
struct chart_frame {
  double top = 0;
  double duration_s = 1;

  double x(double seconds) const {
    return layout::plot_left + layout::plot_width * seconds / duration_s;
  }
  double y(double share) const { return top + layout::plot_height * (1 - share); }
  double bottom() const { return top + layout::plot_height; }
};

std::vector<event_mark> layout_events(std::vector<chart_event> events, const chart_frame& frame) {
  std::vector<event_mark> marks;
  for (auto& e : events)
    if (e.at_s >= 0 && e.at_s <= frame.duration_s) marks.push_back({e.at_s, std::move(e.label)});
  std::stable_sort(marks.begin(), marks.end(),
                   [](const event_mark& a, const event_mark& b) { return a.at_s < b.at_s; });
  std::vector<double> row_ends;  // the right end of each row's last label
  for (auto& mark : marks) {
    double x = frame.x(mark.at_s);
    double width = label_char_width * static_cast<double>(mark.label.size());
    mark.anchor_end = x + 3 + width > layout::width - 4;
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

// One time bucket: [start_s, end_s) and each model's fraction of the
// bucket's requests; no shares when it had none.
struct share_bucket {
  double start_s = 0;
  double end_s = 0;
  std::vector<double> shares;
};

std::vector<share_bucket> share_buckets(const json& counts, std::size_t models,
                                        const share_chart_scale& scale) {
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

// The stacked areas of one run: per model a polygon, top edge left to right
// then bottom edge back. A model with no requests in the run draws nothing.
void append_run_areas(std::string& out, const chart_frame& frame,
                      const std::vector<share_bucket>& buckets, std::size_t first, std::size_t last,
                      const std::vector<std::string>& models, const share_chart_scale& scale) {
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

void append_axes(std::string& out, const chart_frame& frame, const std::string& time_axis) {
  double right = frame.x(frame.duration_s);
  for (int percent = 0; percent <= 100; percent += 25) {
    double y = frame.y(percent / 100.0);
    out += line(layout::plot_left, y, right, y, "grid");
    out += text_at(layout::plot_left - 6, y + 4, " text-anchor=\"end\"",
                   std::to_string(percent) + "%");
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
  out += line(layout::plot_left, frame.bottom(), right, frame.bottom(), "axis");
  out += text_at(layout::plot_left + layout::plot_width / 2, frame.bottom() + 32,
                 " text-anchor=\"middle\"", escape(time_axis));
}

void append_events(std::string& out, const chart_frame& frame, const share_chart_scale& scale) {
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
                   const std::vector<std::string>& models, const share_chart_scale& scale) {
  for (std::size_t m = 0; m < models.size(); ++m) {
    double y = frame.top + layout::legend_row * static_cast<double>(m);
    out += "<rect x=\"" + coord(layout::legend_left) + "\" y=\"" + coord(y) +
           "\" width=\"12\" height=\"12\" fill=\"" + scale.colours.at(models[m]) + "\"/>\n";
    out += text_at(layout::legend_left + 18, y + 10, " class=\"legend\"", escape(models[m]));
  }
}

}  // namespace

json chart_layout_json() {
  return {{"width", layout::width},
          {"plot_left", layout::plot_left},
          {"plot_width", layout::plot_width},
          {"plot_height", layout::plot_height},
          {"legend_left", layout::legend_left},
          {"legend_row", layout::legend_row}};
}

share_chart_scale make_share_chart_scale(double duration_s, double bucket_s,
                                         std::vector<chart_event> events,
                                         std::map<std::string, std::string> colours) {
  share_chart_scale scale;
  scale.duration_s = duration_s;
  scale.bucket_s = bucket_s;
  scale.events = layout_events(std::move(events), chart_frame{0, duration_s});
  for (const auto& mark : scale.events)
    scale.label_rows = std::max(scale.label_rows, mark.row + 1);
  scale.colours = std::move(colours);
  return scale;
}

void append_share_chart(std::string& out, const std::string& caption, const json& counts,
                        const std::vector<std::string>& models, const share_chart_scale& scale) {
  chart_frame frame{12 + label_row * scale.label_rows, scale.duration_s};
  double height = std::max(frame.bottom() + 40,
                           frame.top + layout::legend_row * static_cast<double>(models.size()));
  out += "<figure>\n<figcaption>" + escape(caption) + "</figcaption>\n<svg width=\"" +
         coord(layout::width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " +
         coord(layout::width) + " " + coord(height) + "\" role=\"img\" aria-label=\"" +
         escape(caption) + "\">\n";
  auto buckets = share_buckets(counts, models.size(), scale);
  for (const auto& [first, last] : runs_with_requests(buckets))
    append_run_areas(out, frame, buckets, first, last, models, scale);
  append_axes(out, frame, scale.time_axis);
  append_events(out, frame, scale);
  append_legend(out, frame, models, scale);
  out += "</svg>\n</figure>\n";
}

}  // namespace llmopt::pages
