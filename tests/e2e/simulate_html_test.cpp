// The `llmopt simulate --html` page renders in a real browser: headless
// Chromium loads it from a file, builds the charts' SVG, and paints more
// than a blank page.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pages/simulation_html.hpp"
#include "tests/e2e/chromium.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/text.hpp"

using namespace llmopt::test;
using nlohmann::json;

namespace {

// Per bucket, `first` requests to the first model and the rest of `total`
// spread over the others.
json buckets(int count, int first, int total, std::size_t models, int empty_bucket = -1) {
  json counts = json::array();
  for (int b = 0; b < count; ++b) {
    json bucket = json::array({b == empty_bucket ? 0 : first});
    for (std::size_t m = 1; m < models; ++m)
      bucket.push_back(b == empty_bucket ? 0 : (total - first) / static_cast<int>(models - 1));
    counts.push_back(bucket);
  }
  return counts;
}

// An outage of gpt-4o from 300 s to 420 s on a 600 s run in 10 s buckets.
// Areas drawn: chat/llmopt 2, chat/oracle 2 (gpt-4o first, then claude),
// summarize/llmopt 6 (3 models, split in two by an empty bucket),
// summarize/oracle 1.
constexpr int expected_areas = 11;

json outage_report() {
  json row = {{"utility", 1234.5},      {"mean_utility", 0.07}, {"normalized", 0.93},
              {"good_rate", 0.81},      {"cost_usd", 190.2},    {"p50_latency_ms", 910},
              {"p95_latency_ms", 1900}, {"errors", 112},        {"violations", 0}};
  json policies = {{"llmopt", row}, {"uniform", row}, {"oracle", row}};
  json chat_oracle = buckets(30, 20, 20, 2);
  for (const auto& b : buckets(30, 0, 20, 2))
    chat_oracle.push_back(b);
  json r = {
      {"scenario", "outage-failover"},
      {"description", "gpt-4o fails from 300 s to 420 s"},
      {"seed", 7},
      {"duration_s", 600},
      {"requests", 12000},
      {"policies", policies},
      {"routes", {{"chat", {{"policies", policies}}}, {"summarize", {{"policies", policies}}}}},
      {"events",
       {{{"at_s", 300}, {"label", "openai:gpt-4o error_rate=1"}},
        {{"at_s", 420}, {"label", "openai:gpt-4o error_rate=0.01"}}}}};
  r["timeline"]["bucket_s"] = 10;
  r["timeline"]["routes"]["chat"] = {
      {"models", json::array({"openai:gpt-4o", "anthropic:claude-3-5-sonnet"})},
      {"policies",
       {{"llmopt", buckets(60, 12, 20, 2)},
        {"oracle", chat_oracle},
        {"uniform", buckets(60, 10, 20, 2)}}}};
  r["timeline"]["routes"]["summarize"] = {
      {"models",
       json::array({"openai:gpt-4o-mini", "openai:gpt-4o", "anthropic:claude-3-5-sonnet"})},
      {"policies", {{"llmopt", buckets(60, 4, 10, 3, 30)}, {"oracle", buckets(60, 10, 10, 3)}}}};
  return r;
}

}  // namespace

TEST_CASE("the simulate HTML report renders its charts and events in headless Chromium",
          "[simulation_html][chromium]") {
  temp_dir dir;
  const auto report = dir.file("report.html");
  write_file(report, llmopt::pages::simulation_html(outage_report()));

  auto dom = chromium(dir, {"--dump-dom"}, "file://" + report).out;
  INFO(dom.substr(0, 2000));
  REQUIRE(occurrences(dom, "<svg") == 4);
  REQUIRE(occurrences(dom, "<polygon") == expected_areas);
  REQUIRE(occurrences(dom, "<table>") == 3);
  REQUIRE(occurrences(dom, ">openai:gpt-4o error_rate=1</text>") == 4);
  REQUIRE(occurrences(dom, ">openai:gpt-4o error_rate=0.01</text>") == 4);

  // A page that painted charts compresses far worse than a blank one
  // (a blank 1200x900 PNG is about 5 KB).
  const auto blank = dir.file("blank.html");
  write_file(blank,
             "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body></body></html>\n");
  auto blank_size = screenshot_size(dir, "file://" + blank, dir.file("blank.png"));
  auto report_size = screenshot_size(dir, "file://" + report, dir.file("report.png"));
  INFO("blank " << blank_size << " bytes, report " << report_size << " bytes");
  REQUIRE(report_size > 4 * blank_size);
}
