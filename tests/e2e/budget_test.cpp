// Budgets under concurrency, end to end: a route with a $1.00 budget takes
// 200 requests at once; what it spends never passes the budget by more
// than one request's reservation, the ledger holds exactly what was
// billed, and the budget's spending survives a restart.

#include <map>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/migrations.hpp"
#include "store/spend_ledger.hpp"
#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace llmopt::test {
namespace {

constexpr int max_tokens = 50;

const std::string metered = metered_route("budget_usd = 1.0\nbudget_period = \"day\"\n");

std::string request_body() {
  return nlohmann::json{{"model", "metered"},
                        {"max_tokens", max_tokens},
                        {"messages", {{{"role", "user"}, {"content", "count the stars"}}}}}
      .dump();
}

nlohmann::json budget_of(running_daemon& d, const std::string& scope) {
  auto r = http_get(d.url() + "/admin/v1/budgets");
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto body = nlohmann::json::parse(r.body);
  for (const auto& b : body["budgets"])
    if (b["scope"] == scope) return b;
  FAIL("no budget " << scope << " in " << r.body);
  return nullptr;
}

std::pair<double, long long> ledger_sum(const std::string& path) {
  auto db = open_store(path, open_mode::read_only);
  REQUIRE(db.ok());
  auto sum = spend_ledger(*db).sum();
  REQUIRE(sum.ok());
  return *sum;
}

TEST_CASE("200 concurrent requests never overspend a $1.00 budget, and the ledger is exact",
          "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", metered));
  constexpr int n = 200;
  std::vector<http_response> answers(n);
  {
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
      clients.emplace_back([&, i] {
        answers[i] = http_post_json(d.url() + "/v1/chat/completions", request_body(), 30000);
      });
    for (auto& c : clients)
      c.join();
  }
  double billed = 0;
  long long served = 0, refused = 0;
  double largest_reservation = 0;
  for (const auto& a : answers) {
    INFO(a.status << " " << a.body);
    if (a.status == 200) {
      auto usage = nlohmann::json::parse(a.body)["usage"];
      const auto in = usage["prompt_tokens"].get<long long>();
      const auto out = usage["completion_tokens"].get<long long>();
      CHECK(out <= max_tokens);
      billed += (in * metered_price_in + out * metered_price_out) / 1e6;
      largest_reservation = std::max(
          largest_reservation, (in * metered_price_in + max_tokens * metered_price_out) / 1e6);
      ++served;
    } else {
      REQUIRE(a.status == 429);
      auto e = nlohmann::json::parse(a.body)["error"];
      CHECK(e["code"] == "insufficient_quota");
      CHECK(e["message"].get<std::string>().find("route metered") != std::string::npos);
      ++refused;
    }
  }
  CHECK(served > 0);
  CHECK(refused > 0);  // the budget did bind
  CHECK(billed <= 1.00 + largest_reservation);

  // Every billed call is in the ledger, and nothing else.
  const std::string db = d.state_dir() + "/llmopt.db";
  REQUIRE(eventually([&] { return ledger_sum(db).second == served; }));
  CHECK(ledger_sum(db).first == Approx(billed).epsilon(1e-9));
  auto budget = budget_of(d, "route:metered");
  REQUIRE(budget.is_object());
  CHECK(budget["spent_usd"].get<double>() == Approx(billed).epsilon(1e-9));
  CHECK(budget["reserved_usd"].get<double>() == Approx(0).margin(1e-9));

  // The decision that routed them says so, by key (no key here).
  std::map<std::string, long long> routed;  // decision id -> served calls
  for (const auto& a : answers)
    if (a.status == 200) ++routed[a.headers.at("x-llmopt-decision")];
  const auto& [decision, calls] = *routed.begin();
  auto explained = run({LLMOPT_BINARY, "decisions", "explain", decision, "--json", "--config",
                        d.config_path()});
  REQUIRE(explained.exit_code == 0);
  auto by_key = nlohmann::json::parse(explained.out)["calls_by_key"];
  REQUIRE(by_key.size() == 1);
  CHECK(by_key[0]["key"] == "(no key)");
  CHECK(by_key[0]["calls"] == calls);

  // After a crash and a restart the day's spending still counts.
  d.kill();
  d.restart();
  auto again = http_post_json(d.url() + "/v1/chat/completions", request_body());
  budget = budget_of(d, "route:metered");
  REQUIRE(budget.is_object());
  const double spent_after = budget["spent_usd"].get<double>();
  if (again.status == 200) {
    CHECK(spent_after > billed);  // what it had, plus this one
  } else {
    CHECK(again.status == 429);
    CHECK(spent_after == Approx(billed).epsilon(1e-9));
  }
}

}  // namespace
}  // namespace llmopt::test

namespace llmopt::test {
namespace {

TEST_CASE("a streamed answer settles on its final usage", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", metered));
  auto body = nlohmann::json::parse(request_body());
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  auto r = http_post_json(d.url() + "/v1/chat/completions", body.dump());
  REQUIRE(r.status == 200);
  // The usage chunk is the last before [DONE].
  const auto at = r.body.rfind("\"usage\":{");
  REQUIRE(at != std::string::npos);
  const auto line_start = r.body.rfind("data: ", at) + 6;
  auto usage = nlohmann::json::parse(r.body.substr(line_start, r.body.find('\n', at) - line_start))
      ["usage"];
  const double billed = (usage["prompt_tokens"].get<long long>() * metered_price_in +
                         usage["completion_tokens"].get<long long>() * metered_price_out) /
                        1e6;
  REQUIRE(billed > 0);
  const std::string db = d.state_dir() + "/llmopt.db";
  REQUIRE(eventually([&] { return ledger_sum(db).second == 1; }));
  CHECK(ledger_sum(db).first == Approx(billed).epsilon(1e-9));
  CHECK(budget_of(d, "route:metered")["spent_usd"].get<double>() == Approx(billed).epsilon(1e-9));
}

}  // namespace
}  // namespace llmopt::test

namespace llmopt::test {
namespace {

std::string created_key(running_daemon& d, std::vector<std::string> args) {
  args.insert(args.begin(), {"keys", "create"});
  auto made = d.cli(args);
  REQUIRE(made.exit_code == 0);
  const auto at = made.out.find("key: ");
  REQUIRE(at != std::string::npos);
  return made.out.substr(at + 5, made.out.find('\n', at) - at - 5);
}

http_response chat_with(running_daemon& d, const std::string& key) {
  return http_request("POST", d.url() + "/v1/chat/completions", request_body(),
                      {"Content-Type: application/json", "Authorization: Bearer " + key});
}

TEST_CASE("a key's RPM answers 429 with Retry-After and OpenAI's rate limit headers", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", metered));
  const auto key = created_key(d, {"--name", "two-a-minute", "--rpm", "2"});
  REQUIRE(eventually([&] { return chat_with(d, key).status == 200; }));  // the daemon sees it
  auto second = chat_with(d, key);
  REQUIRE(second.status == 200);
  CHECK(second.headers["x-ratelimit-limit-requests"] == "2");
  CHECK(second.headers["x-ratelimit-remaining-requests"] == "0");
  auto third = chat_with(d, key);
  REQUIRE(third.status == 429);
  CHECK(nlohmann::json::parse(third.body)["error"]["code"] == "rate_limit_exceeded");
  const int retry_after = std::stoi(third.headers["retry-after"]);
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK(third.headers["x-ratelimit-remaining-requests"] == "0");
  // Another key is not held back by this one's limit.
  const auto other = created_key(d, {"--name", "other", "--rpm", "2"});
  CHECK(eventually([&] { return chat_with(d, other).status == 200; }));
}

TEST_CASE("a key's budget refuses with insufficient_quota once spent, and its ledger agrees",
          "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", metered));
  const auto key =
      created_key(d, {"--name", "small-spender", "--budget-usd", "0.2", "--period", "day"});
  REQUIRE(eventually([&] { return chat_with(d, key).status == 200; }));
  http_response last;
  for (int i = 0; i < 100; ++i) {
    last = chat_with(d, key);
    if (last.status != 200) break;
  }
  REQUIRE(last.status == 429);
  auto e = nlohmann::json::parse(last.body)["error"];
  CHECK(e["code"] == "insufficient_quota");
  CHECK(e["message"].get<std::string>().find("key small-spender") != std::string::npos);
  // The key's budget holds what its ledger rows add up to, within the limit.
  auto keys = nlohmann::json::parse(d.cli({"keys", "list", "--json"}).out);
  REQUIRE(keys.size() == 1);
  const std::string id = keys[0]["id"];
  auto budget = budget_of(d, "key:" + id);
  const double spent = budget["spent_usd"].get<double>();
  CHECK(spent <= 0.2);
  const std::string db = d.state_dir() + "/llmopt.db";
  REQUIRE(eventually([&] { return ledger_sum(db).first == Approx(spent).epsilon(1e-9); }));
}

}  // namespace
}  // namespace llmopt::test
