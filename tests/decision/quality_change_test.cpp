// A change of a model's judged-good rate, told from its feedback by the
// quality watch, and a drift signal's discount of the feedback before it.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "decision/aggregator.hpp"
#include "decision/quality_posterior.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

const auto prior = quality_posterior::from_prior(0.5, 2);
const quality_change_test test_of_change{};

// Answers judged good with probability `rate`, drawn from `rng`.
struct answers {
  std::mt19937_64 rng;
  double next(double rate) { return std::bernoulli_distribution(rate)(rng) ? 1.0 : 0.0; }
};

// How many answers at `after` it takes, following `before_n` at `before`,
// for the watch to tell a change; 0 if none within `limit`.
int answers_to_tell(std::uint64_t seed, double before, int before_n, double after, int limit) {
  answers draw{std::mt19937_64(seed)};
  auto q = prior;
  for (int i = 0; i < before_n; ++i) {
    q.observe_watching(draw.next(before), 1000, 1000, prior, test_of_change);
    if (q.change.cause != quality_change_cause::none) return -1;  // a false alarm
  }
  for (int i = 1; i <= limit; ++i) {
    q.observe_watching(draw.next(after), 2000, 2000, prior, test_of_change);
    if (q.change.cause != quality_change_cause::none) return i;
  }
  return 0;
}

}  // namespace

// The answers each of 20 seeds takes to tell a change, sorted.
std::vector<int> answers_to_tell_by_seed(double before, double after) {
  std::vector<int> told;
  for (std::uint64_t seed = 1; seed <= 20; ++seed)
    told.push_back(answers_to_tell(seed, before, 200, after, 1000));
  std::sort(told.begin(), told.end());
  return told;
}

TEST_CASE("the watch tells a drop or a rise of the good rate within about a hundred answers") {
  // 0.90 -> 0.62 is the quality-drift scenario's model; each after 200
  // answers kept whole (no fading, the slowest case): every seed tells it,
  // none before the change.
  for (auto [before, after] : {std::pair{0.90, 0.62}, std::pair{0.40, 0.80}}) {
    const auto told = answers_to_tell_by_seed(before, after);
    INFO(before << " -> " << after << ": " << Catch::Detail::stringify(told));
    CHECK(told.front() > 0);
    CHECK(told[told.size() / 2] <= 120);
    CHECK(told.back() <= 400);
  }
}

TEST_CASE("a steady good rate tells no change over tens of thousands of answers") {
  for (double rate : {0.0, 0.3, 0.68, 0.9, 1.0}) {
    INFO("rate " << rate);
    CHECK(answers_to_tell(7, rate, 20'000, rate, 0) == 0);
  }
}

TEST_CASE("a change told leaves the evidence of the run that told it, on the prior") {
  auto q = prior;
  for (int i = 0; i < 100; ++i)
    q.observe_watching(1.0, 1000, 1000, prior, test_of_change);
  REQUIRE(q.mean() > 0.95);
  while (q.change.cause == quality_change_cause::none)
    q.observe_watching(0.0, 5000, 5000, prior, test_of_change);
  const quality_change& c = q.change;
  CHECK(c.cause == quality_change_cause::feedback);
  CHECK(c.at == 5000);
  CHECK(c.from > 0.9);
  CHECK(c.answers > 0);
  CHECK(c.answers < 20);
  // Only the run of bad answers is left over the prior.
  CHECK(q.samples == c.answers);
  CHECK(q.evidence(prior) == Approx(c.answers));
  CHECK(q.mean() == Approx(prior.alpha / (prior.alpha + prior.beta + c.answers)));
  CHECK(c.to == Approx(q.mean()));
}

TEST_CASE("too little feedback is not tested for a change") {
  quality_change_test test;
  test.min_evidence = 50;
  auto q = prior;
  for (int i = 0; i < 30; ++i)
    q.observe_watching(1.0, 1000, 1000, prior, test);
  for (int i = 0; i < 19; ++i)
    q.observe_watching(0.0, 1000, 1000, prior, test);
  CHECK(q.change.cause == quality_change_cause::none);
  CHECK(q.samples == 49);

  test.threshold = 0;  // tells none
  auto off = prior;
  for (int i = 0; i < 200; ++i)
    off.observe_watching(i < 100 ? 1.0 : 0.0, 1000, 1000, prior, test);
  CHECK(off.change.cause == quality_change_cause::none);
  CHECK(off.samples == 200);
}

TEST_CASE("a drift keeps a tenth of the feedback before it and the run that looked worse whole") {
  auto q = prior;
  for (int i = 0; i < 100; ++i)
    q.observe_watching(1.0, 1000, 1000, prior, test_of_change);
  // Three bad answers: the watch follows a drop but has not told it.
  for (int i = 0; i < 3; ++i)
    q.observe_watching(0.0, 2000, 2000, prior, test_of_change);
  REQUIRE(q.change.cause == quality_change_cause::none);
  REQUIRE(q.watch.down.answers == 3);
  const double from = q.mean();

  q.discount(3000, 0, 0, prior, 0.1);  // no observation period
  CHECK(q.alpha == Approx(prior.alpha + 100 * 0.1));
  CHECK(q.beta == Approx(prior.beta + 3));
  CHECK(q.samples == Approx(3 + 100 * 0.1));
  CHECK(q.change.cause == quality_change_cause::drift);
  CHECK(q.change.at == 3000);
  CHECK(q.change.from == from);
  CHECK(q.change.to == Approx(q.mean()));
  CHECK(q.change.answers == 3);
  CHECK(q.watch.down.answers == 0);

  auto kept = prior;
  kept.observe(1.0);
  kept.discount(3000, 0, 0, prior, 1.0);  // keeps all: no change
  CHECK(kept.alpha == prior.alpha + 1);
  CHECK(kept.change.cause == quality_change_cause::none);
}

TEST_CASE(
    "a drift keeps the feedback of its observation period whole, a tenth of what came before") {
  constexpr time_ms minute = 60'000;
  auto q = prior;
  // Ten minutes of good answers, then five of half good ones: the watch
  // follows no drop by the end (the good rate has settled between).
  for (time_ms m = 0; m < 10; ++m)
    for (int i = 0; i < 10; ++i)
      q.observe_watching(1.0, m * minute + i + 1, m * minute + i + 1, prior,
                         quality_change_test{0.15, 0, 20});
  for (time_ms m = 10; m < 15; ++m)
    for (int i = 0; i < 10; ++i)
      q.observe_watching(i % 2, m * minute + i + 1, m * minute + i + 1, prior,
                         quality_change_test{0.15, 0, 20});
  REQUIRE(q.samples == 150);

  // Observed from minute 10 on, evidence never faded (half-life 0).
  auto observed = q;
  observed.discount(15 * minute, 10 * minute, 0, prior, 0.1);
  CHECK(observed.alpha == Approx(prior.alpha + 100 * 0.1 + 25));
  CHECK(observed.beta == Approx(prior.beta + 25));
  CHECK(observed.samples == Approx(50 + 100 * 0.1));
  CHECK(observed.change.answers == Approx(50));

  // Fading as the posterior does: the spans since minute 10 count what they
  // are worth now, and the rest of the evidence is what came before.
  auto faded = q;
  faded.forget(15 * minute, 10 * minute, prior);  // as the aggregator fades first
  const auto since = faded.recent.since(10 * minute, 15 * minute, 10 * minute);
  CHECK(since.answers < 50);
  CHECK(since.answers > 50 * 0.7);
  faded.discount(15 * minute, 10 * minute, 10 * minute, prior, 0.1);
  CHECK(faded.change.answers == Approx(since.answers));

  // An observation period over all the feedback leaves all of it.
  auto all = q;
  all.discount(15 * minute, 1, 0, prior, 0.1);
  CHECK(all.alpha == Approx(q.alpha));
  CHECK(all.beta == Approx(q.beta));
}

TEST_CASE("feedback by time keeps 128 minutes apart and the rest in its oldest span") {
  feedback_by_time recent;
  for (time_ms m = 0; m < 200; ++m)
    recent.add(m * 60'000, 1.0);
  REQUIRE(recent.spans.size() == feedback_by_time::max_spans);
  CHECK(recent.spans.front().from == 0);
  CHECK(recent.spans.front().answers == 200 - 127);
  CHECK(recent.since(0, 200 * 60'000, 0).answers == 200);
  CHECK(recent.since(1, 200 * 60'000, 0).answers == 127);  // the oldest span began before
  CHECK(recent.since(190 * 60'000, 200 * 60'000, 0).answers == 10);
}

TEST_CASE("a quality drift discounts a model's feedback once, on every route") {
  aggregator agg{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  for (int i = 0; i < 40; ++i)
    agg.apply(feedback(gpt, 1.0, "chat"), 1000);
  REQUIRE(agg.views(1000)[gpt].quality.samples == 40);

  // A drift of another kind says nothing of the answers.
  auto latency = drift(gpt, "d-1", 0.5, 0.9);
  std::get<drift_signal>(latency.body).type = drift_type::performance_drift;
  agg.apply(latency, 1000);
  REQUIRE(agg.views(1000)[gpt].quality.samples == 40);

  agg.apply(drift(gpt, "d-2", 0.5, 0.9), 1000);
  auto v = agg.views(1000)[gpt];
  CHECK(v.quality.samples == Approx(4));
  CHECK(v.quality.change.cause == quality_change_cause::drift);
  CHECK(v.route_quality.at("chat").samples == Approx(4));
  CHECK(v.route_quality.at("chat").change.cause == quality_change_cause::drift);

  // The same drift again (a redelivery or an update of it) discounts nothing more.
  agg.apply(drift(gpt, "d-2", 0.6, 0.9), 2000);
  CHECK(agg.views(2000)[gpt].quality.samples == Approx(4));
}

TEST_CASE("feedback counts by when it was given, not when it was applied") {
  // Forty good answers given at minute 1 and applied at minute 10 (a
  // backlog), then a drift observed from minute 5: they came before it.
  aggregator agg{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  for (int i = 0; i < 40; ++i) {
    auto f = feedback(gpt, 1.0, "chat");
    f.at = 60'000;
    agg.apply(f, 600'000);
  }
  auto d = drift(gpt, "d-3", 0.5, 0.9);
  std::get<drift_signal>(d.body).observed_from = 300'000;
  agg.apply(d, 600'000);
  CHECK(agg.views(600'000)[gpt].route_quality.at("chat").samples == Approx(4));
}

TEST_CASE("the watch and the newest change survive a save and restore") {
  aggregator agg{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  for (int i = 0; i < 60; ++i)
    agg.apply(feedback(gpt, 1.0, "chat"), 1000);
  agg.apply(drift(gpt, "d-2", 0.5, 0.9), 1500);
  for (int i = 0; i < 30; ++i)
    agg.apply(feedback(gpt, 1.0, "chat"), 2000);
  agg.apply(feedback(gpt, 0.0, "chat"), 2000);
  const auto before = agg.views(2000)[gpt].route_quality.at("chat");
  REQUIRE(before.watch.down.answers == 1);
  REQUIRE(before.change.cause == quality_change_cause::drift);

  aggregator copy{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  REQUIRE(copy.restore(agg.save()).ok());
  const auto after = copy.views(2000)[gpt].route_quality.at("chat");
  CHECK(after.alpha == before.alpha);
  CHECK(after.samples == before.samples);
  CHECK(after.watch.down.llr == before.watch.down.llr);
  CHECK(after.watch.down.answers == before.watch.down.answers);
  CHECK(after.watch.up.llr == before.watch.up.llr);
  CHECK(after.change.cause == quality_change_cause::drift);
  CHECK(after.change.at == before.change.at);
  CHECK(after.change.from == before.change.from);
  CHECK(after.change.to == before.change.to);
  REQUIRE(after.recent.spans.size() == before.recent.spans.size());
  CHECK(after.recent.spans.back().answers == before.recent.spans.back().answers);
  CHECK(after.recent.spans.back().from == before.recent.spans.back().from);
}

TEST_CASE("a checkpoint's feedback spans out of their bounds are dropped on restore") {
  aggregator agg{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  agg.apply(feedback(gpt, 1.0, "chat"), 60'000);
  const std::string saved = agg.save();
  auto doc = nlohmann::json::from_msgpack(saved);
  auto& spans = doc["models"][0]["route_quality"]["chat"][7];
  REQUIRE(spans.size() == 1);
  spans.push_back({9.2e18, 1, 1});     // past year 9999: from + a span would overflow
  spans.push_back({120'000, 2, 1});    // more good than answers
  spans.push_back({-5, 0, 1});         // before 1970
  spans.push_back({180'000, 0.5, 3});  // a span it could have written
  const auto bytes = nlohmann::json::to_msgpack(doc);
  aggregator copy{aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.5}}};
  REQUIRE(copy.restore(std::string(bytes.begin(), bytes.end())).ok());
  const auto kept = copy.views(200'000)[gpt].route_quality.at("chat").recent.spans;
  REQUIRE(kept.size() == 2);
  CHECK(kept.front().from == 60'000);
  CHECK(kept.back().from == 180'000);
}

TEST_CASE("a change's cause reads back by name, and an unknown one does not") {
  for (auto c :
       {quality_change_cause::none, quality_change_cause::feedback, quality_change_cause::drift})
    CHECK(parse_quality_change_cause(to_string(c)) == c);
  CHECK_FALSE(parse_quality_change_cause("Drift"));
  CHECK_FALSE(parse_quality_change_cause(""));
}
