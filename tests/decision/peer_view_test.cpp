// Instances' reports to each other (peer_view.hpp): what an aggregator
// holds goes over the cluster topic and back whole, the decider adds a
// peer's view to its own (counts exactly, means weighed by samples,
// quality evidence over one prior), and what is not a report is refused.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/aggregator.hpp"
#include "decision/peer_view.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

const quality_posterior prior = quality_posterior::from_prior(0.7, 2);

model_view view_with(long long calls, long long errors, double mean_latency, long long streak) {
  model_view v;
  v.model = "openai:gpt-4o";
  v.calls = calls;
  v.errors = errors;
  v.recent_calls = calls;
  v.recent_errors = errors;
  v.failure_streak = streak;
  v.latency_samples = calls;
  v.mean_latency_ms = mean_latency;
  v.p50_ms = mean_latency;
  v.p95_ms = mean_latency * 2;
  v.latency_sd_ms = 10;
  v.cost_samples = calls;
  v.cost_per_request = 0.01;
  v.quality = prior;
  v.lifetime.calls = calls;
  v.lifetime.cost_usd = 0.01 * static_cast<double>(calls);
  return v;
}

instance_report report_of(const model_view& v) {
  instance_report r;
  r.instance = "vm-12-3";
  r.at = 1'000'000;
  r.url = "http://127.0.0.1:8080";
  r.signal_partitions = {{"llm.calls", 2, 5}, {"llm.signals.cost", 0, std::nullopt}};
  r.decision_partitions = 4;
  r.decided = {1, 3};
  r.routes = {"chat"};
  r.models = {peer_view_of(v, prior)};
  return r;
}

}  // namespace

TEST_CASE("a report goes over the cluster topic and back whole") {
  auto v = view_with(40, 4, 200, 0);
  for (int i = 0; i < 10; ++i)
    v.quality.observe(1);
  v.route_quality["chat"] = prior;
  v.route_quality["chat"].observe(0);
  v.anomalies.push_back(
      {"a-1", anomaly_type::availability_issue, severity::critical, 0, 5, 60'000, "anomaly a-1"});
  v.blocked_routes["chat"] = policy_hold{"p-9", "policy block p-9"};
  v.last_billed = model_view::billed_request{0.02, 100, 50, 900};
  const auto r = report_of(v);
  auto back = read_report_message(report_message(r));
  REQUIRE(back);
  CHECK(back->instance == "vm-12-3");
  CHECK(back->decided == std::set<int>{1, 3});
  CHECK(back->routes == std::vector<std::string>{"chat"});
  REQUIRE(back->signal_partitions.size() == 2);
  CHECK(back->signal_partitions[0].lag == std::optional<long long>(5));
  CHECK_FALSE(back->signal_partitions[1].lag);
  REQUIRE(back->models.size() == 1);
  const auto& m = back->models[0];
  CHECK(m.calls == 40);
  CHECK(m.errors == 4);
  CHECK(*m.mean_latency_ms == 200);
  // Quality as evidence beyond the prior: ten good answers, one bad on the route.
  CHECK(m.quality.alpha == Approx(10));
  CHECK(m.quality.beta == Approx(0));
  CHECK(m.quality.samples == 10);
  CHECK(m.route_quality.at("chat").beta == Approx(1));
  REQUIRE(m.anomalies.size() == 1);
  CHECK(m.anomalies[0].id == "a-1");
  CHECK(m.blocked_routes.at("chat").policy_id == "p-9");
  CHECK(m.last_billed->input_tokens == 100);
  CHECK(report_message(*back) == report_message(r));
}

TEST_CASE("a peer's view adds up with the decider's own") {
  auto own = view_with(30, 0, 100, 0);
  auto peer = peer_view_of(view_with(10, 10, 500, 10), prior);
  for (int i = 0; i < 4; ++i)
    peer.quality.observe(0);
  peer.anomalies.push_back({"a-2", anomaly_type::availability_issue, severity::high, 0, 1, 2, ""});
  peer.blocked_routes[""] = policy_hold{"p-1", ""};
  add_peer_view(own, peer, prior);
  CHECK(own.calls == 40);
  CHECK(own.errors == 10);
  CHECK(own.recent_errors == 10);
  // One instance counts a model's calls: its streak is the model's.
  CHECK(own.failure_streak == 10);
  CHECK(own.latency_samples == 40);
  CHECK(*own.mean_latency_ms == Approx((30 * 100.0 + 10 * 500.0) / 40));
  CHECK(own.latency_sd_ms > 10);  // two means far apart spread the union
  CHECK(own.cost_samples == 40);
  CHECK(own.lifetime.calls == 40);
  CHECK(own.lifetime.cost_usd == Approx(0.4));
  // Four bad answers over the one prior.
  CHECK(own.quality.alpha == Approx(prior.alpha));
  CHECK(own.quality.beta == Approx(prior.beta + 4));
  CHECK(own.anomalies.size() == 1);
  CHECK(own.block_for("chat") != nullptr);
  // The same flag from two instances is one flag.
  add_peer_view(own, peer, prior);
  CHECK(own.anomalies.size() == 1);
}

TEST_CASE("a peer's evidence on a route the decider has none on starts from the prior") {
  auto own = view_with(1, 0, 100, 0);
  auto peer = view_with(1, 0, 100, 0);
  peer.route_quality["chat"] = prior;
  peer.route_quality["chat"].observe(1);
  add_peer_view(own, peer_view_of(peer, prior), prior);
  CHECK(own.route_quality.at("chat").alpha == Approx(prior.alpha + 1));
  CHECK(own.route_quality.at("chat").beta == Approx(prior.beta));
}

TEST_CASE("what is not an instance report is refused, naming why") {
  const std::string good = report_message(report_of(view_with(5, 1, 100, 1)));
  REQUIRE(read_report_message(good));
  auto refused = [](const std::string& text) {
    auto r = read_report_message(text);
    REQUIRE_FALSE(r);
    return r.err();
  };
  auto with = [&](const std::string& pointer, nlohmann::json value) {
    auto j = nlohmann::json::parse(good);
    j[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return j.dump();
  };
  CHECK(refused("{").code == "invalid_json");
  CHECK(refused(with("/instance", "")).field == "instance");
  CHECK(refused(with("/models/0/calls/0", -1)).detail.find("a count not in") != std::string::npos);
  CHECK(refused(with("/models/0/calls/0", 2e15)).detail.find("a count") != std::string::npos);
  CHECK(refused(with("/models/0/calls/0", 5.5)).detail.find("not an integer") != std::string::npos);
  CHECK(refused(with("/models/0/calls/1", 6)).detail.find("more errors than calls") !=
        std::string::npos);
  CHECK(refused(with("/models/0/calls/5", -1)).detail.find("a time") != std::string::npos);
  CHECK(refused(with("/decision_partitions", 1e10)).detail.find("not an integer") !=
        std::string::npos);
  CHECK(refused(with("/decided", nlohmann::json::array({4}))).detail.find("decided partition") !=
        std::string::npos);
  CHECK(refused(with("/models/0/quality/1", -2)).code == "invalid_report");
  CHECK(refused(with("/models/0/latency", "fast")).code == "invalid_report");
  CHECK(refused(with("/at", 1e300)).code == "out_of_range");
  CHECK(refused(with("/models/0/anomalies",
                     nlohmann::json::array({{"a", "availability_issue", 9, 0, 0, 0, ""}})))
            .detail.find("level") != std::string::npos);
  CHECK(refused(with("/models/0/anomalies",
                     nlohmann::json::array({{"a", "availability_issue", 1e12, 0, 0, 0, ""}})))
            .detail.find("level") != std::string::npos);
  auto over = read_report_message(good, good.size() - 1);
  REQUIRE_FALSE(over);
  CHECK(over.err().code == "too_large");
}
