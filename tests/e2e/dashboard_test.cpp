// GET /ui end to end: a daemon serving simulated models takes real chat
// traffic, a Sentinel anomaly and a bad signal; headless Chromium renders
// its dashboard and the DOM holds that daemon's own models, call counts,
// decision and dead letter (the page is drawn from what it polls, not
// static). With an admin token, nothing is readable without it, the token
// travels in a form body only, and the cookie it sets reads but never writes.

#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/chromium.hpp"
#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/text.hpp"

namespace llmopt::test {
namespace {

const std::string anomaly =
    R"({"anomalyId":"a-dash","detectedAt":"2026-11-21T10:20:00Z","type":"availability_issue",)"
    R"("severity":"critical","modelId":"gpt-4o","provider":"openai","isActive":true})";

// The dashboard after the page has polled a few times (virtual time: the
// polls' fetches are real, the waits between them are not).
std::string rendered_dashboard(const temp_dir& dir, const std::string& url) {
  return chromium(dir, {"--dump-dom", "--virtual-time-budget=7000"}, url + "/ui").out;
}

// The text of the first element `<TAG ATTR="VALUE" ...>...</TAG>` in `dom`.
std::string element_with(const std::string& dom, const std::string& tag, const std::string& attr,
                         const std::string& value) {
  const auto at = dom.find("<" + tag + " " + attr + "=\"" + value + "\"");
  if (at == std::string::npos) return {};
  return dom.substr(at, dom.find("</" + tag + ">", at) - at);
}

// The number in `<td class="CLASS">N</td>` of `row`; -1 when absent.
long long cell(const std::string& row, const std::string& css_class) {
  std::smatch m;
  if (!std::regex_search(row, m, std::regex("<td class=\"" + css_class + "\">([0-9]+)</td>")))
    return -1;
  return std::stoll(m[1]);
}

long long lifetime_calls(const nlohmann::json& models) {
  long long calls = 0;
  for (const auto& [model, view] : models.items())
    calls += view["lifetime"]["calls"].get<long long>();
  return calls;
}

}  // namespace

TEST_CASE("the dashboard shows the daemon's own traffic, decisions and dead letters in Chromium",
          "[e2e][chromium][dashboard]") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  constexpr int calls = 12;
  std::map<std::string, int> served;  // by x-llmopt-model
  for (int i = 0; i < calls; ++i) {
    auto r = d.chat("chat", "hello " + std::to_string(i));
    REQUIRE(r.status == 200);
    ++served[r.headers.at("x-llmopt-model")];
  }
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.sentinel", "openai:gpt-4o", anomaly) == 0);
  REQUIRE(kcat_produce(d.bootstrap(), "llm.signals.cost", "k", "not json") == 0);
  long long anomaly_decision = 0;
  REQUIRE(eventually([&] {
    // Not only the newest few: ticks may decide the route again after it.
    for (const auto& x : d.decisions({"--route", "chat", "--limit", "50"}))
      if (x["trigger"].get<std::string>().rfind("anomaly a-dash", 0) == 0)
        anomaly_decision = x["id"].get<long long>();
    return anomaly_decision != 0;
  }));
  REQUIRE(eventually([&] {
    return lifetime_calls(d.models()) == calls &&
           d.pipeline()["sources"]["cost"]["dead_lettered"] == 1;
  }));

  temp_dir dir;
  const auto dom = rendered_dashboard(dir, d.url());
  INFO(dom.substr(0, 4000));
  REQUIRE(dom.find("id=\"status\" class=\"\">updated ") != std::string::npos);

  // Every model that answered, with its lifetime calls: together the calls made.
  long long shown = 0;
  for (const auto& [model, n] : served) {
    const auto row = element_with(dom, "tr", "data-model", model);
    INFO(model << " served " << n);
    REQUIRE_FALSE(row.empty());
    CHECK(cell(row, "lifetime") == n);
    CHECK(cell(row, "calls") >= 1);
    shown += cell(row, "lifetime");
    // Its latency line, drawn from the samples the page kept.
    CHECK(dom.find("data-model=\"" + model + "\" data-points=\"") != std::string::npos);
  }
  CHECK(shown == calls);
  // The route's traffic share: an area per candidate with weight; none for
  // gpt-4o, which the anomaly took out.
  const auto chat = element_with(dom, "figure", "data-route", "chat");
  REQUIRE_FALSE(chat.empty());
  CHECK(occurrences(chat, "<polygon class=\"area\"") >= 1);
  // The anomaly's decision, explained as `llmopt decisions explain` does.
  const auto decision =
      element_with(dom, "details", "data-decision", std::to_string(anomaly_decision));
  REQUIRE_FALSE(decision.empty());
  CHECK(decision.find("trigger: anomaly a-dash") != std::string::npos);
  CHECK(decision.find("openai:gpt-4o excluded") != std::string::npos);
  // The bad signal: counted for its source and listed by reason.
  const auto cost = element_with(dom, "tr", "data-source", "cost");
  REQUIRE(cost.rfind("<td>") != std::string::npos);
  CHECK(cost.substr(cost.rfind("<td>")) == "<td>1</td>");  // dead-lettered
  CHECK_FALSE(element_with(dom, "tr", "data-reason", "not_json").empty());
}

TEST_CASE("with an admin token the dashboard needs it, posted in a form, and its cookie only reads",
          "[e2e][chromium][dashboard]") {
  const std::string token = "dashboard-admin-token";
  running_daemon d(simulated_config("${STATE_DIR}", "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n"),
                   token);
  REQUIRE(d.chat("chat").status == 200);
  const std::string form = "Content-Type: application/x-www-form-urlencoded";

  // Without credentials: a sign-in form and no data, in a browser too.
  auto login = http_get(d.url() + "/ui");
  CHECK(login.status == 200);
  CHECK(login.body.find("action=\"/ui/session\"") != std::string::npos);
  CHECK(login.body.find("<script") == std::string::npos);
  CHECK(http_get(d.url() + "/admin/v1/dashboard").status == 401);
  CHECK(http_get(d.url() + "/admin/v1/decisions").status == 401);
  temp_dir dir;
  const auto dom = rendered_dashboard(dir, d.url());
  CHECK(dom.find("action=\"/ui/session\"") != std::string::npos);
  CHECK(dom.find("openai:") == std::string::npos);

  // A wrong token sets nothing.
  auto refused = http_request("POST", d.url() + "/ui/session", "token=wrong", {form});
  CHECK(refused.status == 401);
  CHECK(refused.headers.count("set-cookie") == 0);

  // The right one: a cookie holding no token, then back to /ui.
  auto signed_in = http_request("POST", d.url() + "/ui/session", "token=" + token, {form});
  REQUIRE(signed_in.status == 303);
  CHECK(signed_in.headers["location"] == "/ui");
  const auto set_cookie = signed_in.headers["set-cookie"];
  CHECK(set_cookie.find("HttpOnly") != std::string::npos);
  CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(set_cookie.find(token) == std::string::npos);
  const std::string cookie = "Cookie: " + set_cookie.substr(0, set_cookie.find(';'));

  auto page = http_request("GET", d.url() + "/ui", {}, {cookie});
  CHECK(page.status == 200);
  CHECK(page.body.find("const CFG = ") != std::string::npos);
  CHECK(page.headers["content-security-policy"].find("connect-src 'self'") != std::string::npos);
  auto data = http_request("GET", d.url() + "/admin/v1/dashboard", {}, {cookie});
  REQUIRE(data.status == 200);
  CHECK(nlohmann::json::parse(data.body)["routes"].contains("chat"));
  CHECK(http_request("GET", d.url() + "/admin/v1/routes", {}, {cookie}).status == 200);

  // The cookie never authorizes a state-changing request.
  CHECK(http_request("POST", d.url() + "/admin/v1/dashboard", "{}", {cookie}).status == 401);
  CHECK(http_request("POST", d.url() + "/admin/v1/routes", "{}", {cookie}).status == 401);
  CHECK(http_request("POST", d.url() + "/admin/v1/config", "[log]\nlevel = \"debug\"\n", {cookie})
            .status == 401);
  // And the Bearer token still works without it.
  CHECK(http_request("GET", d.url() + "/admin/v1/dashboard", {}, {"Authorization: Bearer " + token})
            .status == 200);
}

}  // namespace llmopt::test
