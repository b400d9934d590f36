#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "pages/dashboard_html.hpp"
#include "pages/model_colours.hpp"
#include "pages/simulation_html.hpp"
#include "tests/support/text.hpp"

using namespace llmopt;
using namespace llmopt::pages;
using llmopt::test::occurrences;
using nlohmann::json;

namespace {

route_weights weights(const std::string& route, long long decision,
                      std::vector<std::pair<model_key, double>> w) {
  return {route, decision, std::move(w)};
}

routing_table two_routes() {
  routing_table t;
  t["chat"] = weights("chat", 7, {{"openai:gpt-4o", 0.25}, {"anthropic:claude", 0.75}});
  t["summarize"] =
      weights("summarize", 8, {{"ollama:llama3.2", 0.5}, {"openai:gpt-4o", 0.5}, {"y:m", 0}});
  return t;
}

// Nothing the page loads or sends leaves the daemon's own origin. (The SVG
// namespace is a name, never fetched.)
void require_self_contained(std::string html) {
  const std::string svg_namespace = "\"http://www.w3.org/2000/svg\"";
  for (auto at = html.find(svg_namespace); at != std::string::npos; at = html.find(svg_namespace))
    html.erase(at, svg_namespace.size());
  REQUIRE(html.find("http://") == std::string::npos);
  REQUIRE(html.find("https://") == std::string::npos);
  REQUIRE(html.find("//cdn") == std::string::npos);
  REQUIRE(html.find(" src=") == std::string::npos);
  REQUIRE(html.find("<link") == std::string::npos);
  REQUIRE(html.find("@import") == std::string::npos);
}

}  // namespace

TEST_CASE("the dashboard page is self-contained and polls the dashboard document", "[dashboard]") {
  auto html = dashboard_html({"/admin/v1/dashboard", 2000, 180});
  require_self_contained(html);
  REQUIRE(occurrences(html, "<script>") == 1);
  REQUIRE(html.find(R"("url":"/admin/v1/dashboard")") != std::string::npos);
  REQUIRE(html.find(R"("poll_ms":2000)") != std::string::npos);
  // The charts' geometry and palette are those of the simulate report.
  REQUIRE(html.find(R"("plot_width":600.0)") != std::string::npos);
  REQUIRE(html.find("\"palette\":[\"" + model_palette[0] + "\"") != std::string::npos);
  // Text from the document is never parsed as HTML.
  REQUIRE(html.find("innerHTML") == std::string::npos);
  for (const std::string section :
       {"routes", "models", "charts", "budgets", "decisions", "pipeline", "dlq"})
    REQUIRE(occurrences(html, "<div id=\"" + section + "\">") == 1);
}

TEST_CASE("the sign-in page posts the token in the body and shows no data", "[dashboard]") {
  auto html = dashboard_login_html(false);
  require_self_contained(html);
  REQUIRE(html.find("<form method=\"post\" action=\"/ui/session\">") != std::string::npos);
  REQUIRE(html.find("type=\"password\" name=\"token\"") != std::string::npos);
  REQUIRE(html.find("<script") == std::string::npos);
  REQUIRE(html.find("not the admin token") == std::string::npos);
  REQUIRE(dashboard_login_html(true).find("not the admin token") != std::string::npos);
}

TEST_CASE("the dashboard document keeps each route's candidates in order, with colours",
          "[dashboard]") {
  auto table = two_routes();
  dashboard_inputs in;
  in.at = 1700000000000;
  in.routes = &table;
  in.models = {{"openai:gpt-4o", {{"window", {{"calls", 3}}}}}};
  auto doc = dashboard_document(in);
  CHECK(doc["at_ms"] == 1700000000000);
  CHECK(doc["routes"]["chat"]["decision_id"] == 7);
  CHECK(doc["routes"]["chat"]["candidates"] ==
        json::parse(R"([{"model":"openai:gpt-4o","weight":0.25},)"
                    R"({"model":"anthropic:claude","weight":0.75}])"));
  CHECK(doc["routes"]["summarize"]["candidates"][2]["model"] == "y:m");
  CHECK(doc["colours"]["openai:gpt-4o"] == model_palette[0]);
  CHECK(doc["colours"]["anthropic:claude"] == model_palette[1]);
  CHECK(doc["colours"]["ollama:llama3.2"] == model_palette[2]);
  CHECK(doc["models"]["openai:gpt-4o"]["window"]["calls"] == 3);
}

TEST_CASE("a dashboard document with nothing gathered yet has every member, empty", "[dashboard]") {
  auto doc = dashboard_document({});
  CHECK(doc["routes"] == json::object());
  CHECK(doc["colours"] == json::object());
  CHECK(doc["models"] == json::object());
  CHECK(doc["budgets"] == json::array());
  CHECK(doc["pipeline"] == json::object());
  CHECK(doc["decisions"] == json::array());
}

TEST_CASE("a model has the same colour on the dashboard and in the simulate report",
          "[dashboard][simulation_html]") {
  auto table = two_routes();
  dashboard_inputs in;
  in.routes = &table;
  auto colours = dashboard_document(in)["colours"];

  json report = {{"scenario", "s"}, {"duration_s", 20}};
  report["timeline"]["bucket_s"] = 10;
  for (const auto& [name, w] : table) {
    json models = json::array();
    for (const auto& [model, weight] : w.weights)
      models.push_back(model);
    report["timeline"]["routes"][name] = {{"models", models},
                                          {"policies", {{"llmopt", {{1, 1, 1}, {1, 1, 1}}}}}};
  }
  auto html = simulation_html(report);
  static const std::regex legend(
      R"re(fill="(#[0-9a-f]{6})"/>\n<text [^>]* class="legend">([^<]+)</text>)re");
  int seen = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), legend), end; it != end; ++it, ++seen) {
    INFO((*it)[2]);
    CHECK(colours[(*it)[2].str()] == (*it)[1].str());
  }
  CHECK(seen == 5);  // chat's two models, summarize's three
}
