#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "pages/html.hpp"
#include "pages/model_colours.hpp"
#include "pages/share_chart.hpp"
#include "tests/support/text.hpp"

using namespace llmopt::pages;
using llmopt::test::occurrences;
using nlohmann::json;

TEST_CASE("escape makes text safe as element text and in attributes", "[html]") {
  CHECK(escape("<a href=\"x\">Tom's & Jerry's</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp; Jerry&#39;s&lt;/a&gt;");
  CHECK(escape("") == "");
  CHECK(escape("plain: 1.5") == "plain: 1.5");
}

TEST_CASE("script_json cannot close the script element it is written in", "[html]") {
  auto text = script_json({{"label", "</script><script>alert(1)</script>"}});
  CHECK(text.find("</") == std::string::npos);
  CHECK(json::parse(text)["label"] == "</script><script>alert(1)</script>");
  // Invalid UTF-8 is replaced, not thrown.
  CHECK_NOTHROW(script_json(std::string("\xff\xfe")));
}

TEST_CASE("html_page escapes the title and adds a script only when given one", "[html]") {
  auto page = html_page({"a<b", "p{}", "<p>x</p>", ""});
  CHECK(page.find("<title>a&lt;b</title>") != std::string::npos);
  CHECK(page.find("p{}") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(html_page({"t", "", "", "run();"}).find("<script>\nrun();</script>") != std::string::npos);
}

TEST_CASE("fixed never prints a negative zero", "[html]") {
  CHECK(fixed(-0.0001, 2) == "0.00");
  CHECK(fixed(-1.5, 1) == "-1.5");
  CHECK(fixed(2.345, 0) == "2");
}

TEST_CASE("model colours follow first appearance over the routes and repeat past the palette",
          "[html]") {
  auto colours = model_colours({{"a", "b"}, {"b", "c"}});
  CHECK(colours.at("a") == model_palette[0]);
  CHECK(colours.at("b") == model_palette[1]);
  CHECK(colours.at("c") == model_palette[2]);
  std::vector<std::string> many;
  for (std::size_t i = 0; i <= model_palette.size(); ++i)
    many.push_back("m" + std::to_string(100 + i));
  CHECK(model_colours({many}).at(many.back()) == model_palette[0]);
  CHECK(model_colours({}).empty());
}

TEST_CASE("a share chart with missing, empty or non-numeric counts draws axes and no area",
          "[html]") {
  auto scale = make_share_chart_scale(30, 10, {}, {{"m", "#000000"}});
  for (const json& counts : {json(), json::array(), json::array({json::array({0}), "x", nullptr}),
                             json::array({json::array({"5"})})}) {
    std::string out;
    append_share_chart(out, "c", counts, {"m"}, scale);
    INFO(counts.dump());
    CHECK(occurrences(out, "<svg") == 1);
    CHECK(occurrences(out, "<polygon") == 0);
    CHECK(occurrences(out, "class=\"grid\"") == 5);
    CHECK(out.find("nan") == std::string::npos);
  }
  std::string out;
  append_share_chart(out, "c", json::array({json::array({2}), json::array({-1})}), {"m"}, scale);
  CHECK(occurrences(out, "<polygon") == 1);
}

TEST_CASE("events outside the time axis are left out and labels stack in rows", "[html]") {
  auto scale = make_share_chart_scale(
      100, 10, {{-1, "before"}, {50, "a long label here"}, {51, "close by"}, {101, "after"}}, {});
  REQUIRE(scale.events.size() == 2);
  CHECK(scale.events[0].row == 0);
  CHECK(scale.events[1].row == 1);
  CHECK(scale.label_rows == 2);
}
