#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pages/simulation_html.hpp"
#include "tests/support/text.hpp"

using namespace llmopt;
using llmopt::pages::simulation_html;
using llmopt::test::occurrences;
using nlohmann::json;

namespace {

json policy_row(double utility, const json& normalized) {
  return {{"utility", utility},       {"mean_utility", utility / 100},
          {"normalized", normalized}, {"good_rate", 0.8},
          {"cost_usd", 1.5},          {"p50_latency_ms", 910.4},
          {"p95_latency_ms", 1899.6}, {"errors", 3},
          {"violations", 0},          {"requests", 100}};
}

// Two routes over 30 s in 10 s buckets. On "chat", llmopt sends 1:3 in the
// first bucket, nothing in the second and 1:1 in the third.
json small_report() {
  json policies = {{"oracle", policy_row(50, 1.0)},
                   {"uniform", policy_row(10, 0.0)},
                   {"llmopt", policy_row(46.5, 0.93)},
                   {"my_policy", policy_row(-2, nullptr)}};
  json r;
  r["scenario"] = "outage-failover";
  r["description"] = "gpt-4o fails <script>alert(1)</script> for 10 s";
  r["seed"] = 7;
  r["duration_s"] = 30;
  r["requests"] = 100;
  r["policies"] = policies;
  r["routes"]["chat"]["policies"] = policies;
  r["routes"]["a<b&c"]["policies"] = policies;
  r["timeline"]["bucket_s"] = 10;
  r["timeline"]["routes"]["chat"] = {{"models", json::array({"openai:gpt-4o", "anthropic:claude"})},
                                     {"policies",
                                      {{"llmopt", {{1, 3}, {0, 0}, {4, 4}}},
                                       {"oracle", {{0, 4}, {0, 4}, {4, 0}}},
                                       {"uniform", {{2, 2}, {2, 2}, {2, 2}}}}}};
  r["timeline"]["routes"]["a<b&c"] = {
      {"models", json::array({"openai:gpt-4o", "x:m<1>", "y:m"})},
      {"policies", {{"llmopt", {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}}, {"oracle", {{3, 0, 0}}}}}};
  r["events"] = {{{"at_s", 10}, {"label", "openai:gpt-4o error_rate=1"}},
                 {{"at_s", 20}, {"label", "openai:gpt-4o error_rate=0.01"}}};
  return r;
}

// The chart whose caption starts with `caption`, from <figure> to </figure>.
std::string chart(const std::string& html, const std::string& caption) {
  auto at = html.find("<figcaption>" + caption);
  REQUIRE(at != std::string::npos);
  return html.substr(at, html.find("</figure>", at) - at);
}

// The polygon of one model's stacked area over one run of buckets.
struct area {
  std::string fill, model;
  double min_x = 1e9, max_x = -1e9, min_y = 1e9, max_y = -1e9;
};

std::vector<area> areas(const std::string& svg) {
  static const std::regex polygon(
      R"re(<polygon class="area" fill="([^"]+)" points="([^"]+)"><title>([^<]*)</title>)re");
  std::vector<area> found;
  for (std::sregex_iterator it(svg.begin(), svg.end(), polygon), end; it != end; ++it) {
    area a{(*it)[1], (*it)[3]};
    std::string points = (*it)[2];
    std::replace(points.begin(), points.end(), ',', ' ');
    std::istringstream in(points);
    for (double x, y; in >> x >> y;) {
      a.min_x = std::min(a.min_x, x), a.max_x = std::max(a.max_x, x);
      a.min_y = std::min(a.min_y, y), a.max_y = std::max(a.max_y, y);
    }
    found.push_back(a);
  }
  return found;
}

}  // namespace

TEST_CASE("one chart per route for llmopt and oracle, none for other policies",
          "[simulation_html]") {
  auto html = simulation_html(small_report());
  REQUIRE(occurrences(html, "<svg ") == 4);
  for (const std::string route : {"chat", "a&lt;b&amp;c"}) {
    REQUIRE(occurrences(html, "<figcaption>" + route + " · llmopt:") == 1);
    REQUIRE(occurrences(html, "<figcaption>" + route + " · oracle:") == 1);
  }
  REQUIRE(html.find("· uniform:") == std::string::npos);
  // Self-contained: nothing to fetch, nothing to run.
  REQUIRE(html.find("<script") == std::string::npos);
  REQUIRE(html.find("http") == std::string::npos);
}

TEST_CASE("every model of a route is in each of its charts' legends, in one colour everywhere",
          "[simulation_html]") {
  auto html = simulation_html(small_report());
  for (const std::string policy : {"llmopt", "oracle"}) {
    auto chat = chart(html, "chat · " + policy);
    REQUIRE(occurrences(chat, "class=\"legend\">openai:gpt-4o</text>") == 1);
    REQUIRE(occurrences(chat, "class=\"legend\">anthropic:claude</text>") == 1);
    auto other = chart(html, "a&lt;b&amp;c · " + policy);
    for (const std::string model : {"openai:gpt-4o", "x:m&lt;1&gt;", "y:m"})
      REQUIRE(occurrences(other, "class=\"legend\">" + model + "</text>") == 1);
  }
  auto fill_of = [](const std::vector<area>& found, const std::string& model) {
    auto a =
        std::find_if(found.begin(), found.end(), [&](const area& x) { return x.model == model; });
    REQUIRE(a != found.end());
    return a->fill;
  };
  auto chat = areas(chart(html, "chat · llmopt"));
  auto other = areas(chart(html, "a&lt;b&amp;c · llmopt"));
  REQUIRE(fill_of(chat, "openai:gpt-4o") == fill_of(other, "openai:gpt-4o"));
  REQUIRE(fill_of(chat, "openai:gpt-4o") != fill_of(chat, "anthropic:claude"));
  REQUIRE(fill_of(other, "x:m&lt;1&gt;") != fill_of(other, "y:m"));
}

TEST_CASE("every chart marks every event with a dashed line and its label", "[simulation_html]") {
  auto html = simulation_html(small_report());
  for (const std::string caption : {"chat · llmopt", "chat · oracle", "a&lt;b&amp;c · oracle"}) {
    auto svg = chart(html, caption);
    REQUIRE(occurrences(svg, "<line class=\"event\"") == 2);
    REQUIRE(occurrences(svg, ">openai:gpt-4o error_rate=1</text>") == 1);
    REQUIRE(occurrences(svg, ">openai:gpt-4o error_rate=0.01</text>") == 1);
  }
}

TEST_CASE("the summary table has a row per policy in report order with its normalized score",
          "[simulation_html]") {
  auto html = simulation_html(small_report());
  auto table = html.substr(html.find("<table>"), html.find("</table>") - html.find("<table>"));
  REQUIRE(occurrences(table, "<tr><td>") == 4);
  auto llmopt = table.find(
      "<tr><td>llmopt</td><td>46.5</td><td>0.465</td><td>0.930</td>"
      "<td>80.0%</td><td>1.50</td><td>910</td><td>1900</td><td>3</td><td>0</td>");
  auto uniform = table.find("<tr><td>uniform</td>");
  auto oracle = table.find("<tr><td>oracle</td><td>50.0</td><td>0.500</td><td>1.000</td>");
  auto other = table.find("<tr><td>my_policy</td><td>-2.0</td><td>-0.020</td><td>n/a</td>");
  REQUIRE(llmopt != std::string::npos);
  REQUIRE(uniform != std::string::npos);
  REQUIRE(oracle != std::string::npos);
  REQUIRE(other != std::string::npos);
  REQUIRE(llmopt < uniform);
  REQUIRE(uniform < oracle);
  REQUIRE(oracle < other);
  // Each route has its own table too.
  REQUIRE(occurrences(html, "<table>") == 3);
}

TEST_CASE("names and texts from the report are HTML-escaped", "[simulation_html]") {
  auto html = simulation_html(small_report());
  REQUIRE(html.find("<h2>Route a&lt;b&amp;c</h2>") != std::string::npos);
  REQUIRE(html.find("a<b&c") == std::string::npos);
  REQUIRE(html.find("x:m<1>") == std::string::npos);
  REQUIRE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
}

TEST_CASE(
    "areas are each model's fraction of its bucket's requests and an empty bucket draws nothing",
    "[simulation_html]") {
  auto html = simulation_html(small_report());
  auto found = areas(chart(html, "chat · llmopt"));
  // Buckets 1 and 3 are separate runs of two areas each; bucket 2 is a gap.
  REQUIRE(found.size() == 4);
  double top = 1e9, bottom = -1e9;
  for (const auto& a : found)
    top = std::min(top, a.min_y), bottom = std::max(bottom, a.max_y);
  auto share = [&](const area& a) { return (a.max_y - a.min_y) / (bottom - top); };
  REQUIRE(found[0].model == "openai:gpt-4o");
  REQUIRE(share(found[0]) == Approx(0.25).margin(0.01));
  REQUIRE(share(found[1]) == Approx(0.75).margin(0.01));
  REQUIRE(share(found[2]) == Approx(0.5).margin(0.01));
  REQUIRE(share(found[3]) == Approx(0.5).margin(0.01));
  double bucket_width = found[0].max_x - found[0].min_x;
  REQUIRE(found[2].min_x - found[0].max_x == Approx(bucket_width).margin(0.2));
  // A model without requests in a run draws no area there.
  REQUIRE(areas(chart(html, "a&lt;b&amp;c · oracle")).size() == 1);
  REQUIRE(html.find("nan") == std::string::npos);
  REQUIRE(html.find("inf") == std::string::npos);
}

TEST_CASE("a report with missing or null parts still renders, without NaN", "[simulation_html]") {
  // No duration, no bucket size, counts that are not counts, an event
  // without a time.
  json odd;
  odd["duration_s"] = 0;
  odd["timeline"]["bucket_s"] = 0;
  odd["timeline"]["routes"]["r"]["models"] = json::array({"m"});
  odd["timeline"]["routes"]["r"]["policies"]["llmopt"] = json::parse(R"([[0], ["x"], [-5], 3])");
  odd["events"] = json::parse(R"([{"at_s": null, "label": "lost"}])");
  json bare;
  bare["scenario"] = "bare";
  bare["timeline"]["routes"]["r"] = nullptr;
  for (const json& report : {json(), json::object(), bare, odd}) {
    INFO(report.dump());
    auto html = simulation_html(report);
    REQUIRE(html.find("</html>") != std::string::npos);
    REQUIRE(html.find("nan") == std::string::npos);
    REQUIRE(html.find("inf") == std::string::npos);
    REQUIRE(html.find("<polygon") == std::string::npos);
  }
}
