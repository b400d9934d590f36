#include <catch2/catch.hpp>

#include "decision/aggregator.hpp"
#include "decision/scoring.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

typed_signal cost(const model_key& m, long long in, long long out, double usd) {
  cost_sample c;
  c.input_tokens = in;
  c.output_tokens = out;
  c.cost_usd = usd;
  return typed_signal{"c", 0, m, c};
}

const model_spec cheap{"a:cheap", {1, 2}, 0.5};
const model_spec dear{"b:dear", {10, 20}, 0.5};

}  // namespace

TEST_CASE("every candidate is priced for the same request, pooled from the route's calls") {
  aggregator agg(aggregator_options{}, {cheap, dear});
  for (int i = 0; i < 10; ++i)
    agg.apply(cost(cheap.id, 1000, 200, 0.0014), i);
  auto views = agg.views(100);
  engine_options options;
  auto tokens = expected_tokens({&views[cheap.id], &views[dear.id]}, options);
  REQUIRE(tokens.input == Approx(1000));
  REQUIRE(tokens.output == Approx(200));
  // The model nobody called is priced at list price for those tokens, not
  // for the defaults.
  REQUIRE(expected_cost(&dear, views[dear.id], tokens) == Approx(0.014));

  auto none = expected_tokens({&views[dear.id]}, options);
  REQUIRE(none.input == options.default_input_tokens);
  REQUIRE(none.output == options.default_output_tokens);
}

TEST_CASE("a price change seen in cost telemetry is believed") {
  aggregator agg(aggregator_options{}, {cheap});
  // The provider now charges twice its list price.
  for (int i = 0; i < 5; ++i)
    agg.apply(cost(cheap.id, 500, 100, 2 * 0.0007), i);
  auto view = agg.views(10)[cheap.id];
  REQUIRE(expected_cost(&cheap, view, {1000, 200}) == Approx(2 * 0.0014));
}

TEST_CASE("a price change billed for one of our own calls is believed at once") {
  aggregator agg(aggregator_options{}, {cheap});
  auto call = [](long long in, long long out, std::optional<double> billed) {
    call_outcome c;
    c.input_tokens = in;
    c.output_tokens = out;
    c.billed_usd = billed;
    return router_call_signal(cheap.id, c, &cheap.price, 0);
  };
  // A minute of calls priced by the router at list price...
  for (int i = 0; i < 50; ++i)
    agg.apply(call(500, 100, std::nullopt), i);
  REQUIRE(expected_cost(&cheap, agg.views(60)[cheap.id], {1000, 200}) == Approx(0.0014));
  // ...then one the provider billed at three times the list price.
  agg.apply(call(500, 100, 3 * 0.0007), 61);
  auto view = agg.views(62)[cheap.id];
  REQUIRE(view.last_billed);
  CHECK(expected_cost(&cheap, view, {1000, 200}) == Approx(3 * 0.0014));
  CHECK(view.lifetime.cost_usd == Approx(50 * 0.0007 + 3 * 0.0007));
}

TEST_CASE("a model without a list price is priced by its observed cost per token") {
  const model_spec unpriced{"c:free", {0, 0}, 0.5};
  aggregator agg(aggregator_options{}, {unpriced});
  agg.apply(cost(unpriced.id, 300, 100, 0.004), 0);
  auto view = agg.views(1)[unpriced.id];
  REQUIRE(expected_cost(&unpriced, view, {600, 200}) == Approx(0.008));
  REQUIRE(expected_cost(&unpriced, model_view{}, {600, 200}) == 0);
}

TEST_CASE("the error rate follows the newest calls only when they show a change") {
  auto evidence = [](long long calls, long long errors, long long recent_calls,
                     long long recent_errors) {
    model_view v;
    v.calls = calls;
    v.errors = errors;
    v.recent_calls = recent_calls;
    v.recent_errors = recent_errors;
    auto e = error_evidence(v);
    return std::make_pair(e.calls, e.errors);
  };
  using counts = std::pair<long long, long long>;
  // In line with the rest of the window, the whole window counts.
  CHECK(evidence(1000, 15, 150, 3) == counts{1000, 15});
  // One error among a few newest calls is no change.
  CHECK(evidence(1000, 15, 10, 1) == counts{1000, 15});
  // A burst: a third of the newest calls fail.
  CHECK(evidence(1000, 45, 100, 33) == counts{100, 33});
  // Its end: the newest calls are clean while the window still holds it.
  CHECK(evidence(1000, 250, 200, 2) == counts{200, 2});
  // Too few newest calls to tell.
  CHECK(evidence(1000, 300, 5, 0) == counts{1000, 300});
  // Nor a handful of calls before them (the window has barely begun).
  CHECK(evidence(30, 3, 25, 3) == counts{30, 3});
  CHECK(call_evidence{1000, 15}.error_probability() == Approx(15.1 / 1005));
  CHECK(call_evidence{}.error_probability() == Approx(0.02));
}

TEST_CASE("the latency follows the newest calls only when they show a change") {
  // 600 calls over the window, mean 500 ms, one call's spread 250 ms.
  auto evidence = [](long long recent_calls, double recent_mean) {
    model_view v;
    v.latency_samples = 600;
    v.mean_latency_ms = 500;
    v.latency_sd_ms = 250;
    v.recent_latency_samples = recent_calls;
    v.recent_mean_latency_ms = recent_mean;
    auto e = latency_of(v, engine_options{}, 0);
    return std::make_pair(e.mean_ms, e.samples);
  };
  using mean_and_samples = std::pair<double, double>;
  // In line with the rest of the window: the whole window counts.
  CHECK(evidence(100, 520) == mean_and_samples{500, 600});
  // The model slowed: the newest 100 calls alone tell.
  CHECK(evidence(100, 1000) == mean_and_samples{1000, 100});
  // ... or sped up.
  CHECK(evidence(100, 250) == mean_and_samples{250, 100});
  // A few slow calls among the newest are no change.
  CHECK(evidence(10, 2000) == mean_and_samples{500, 600});
  // The newest 100 calls against the 500 before them (not against the
  // window, which holds them too): 4 standard deviations of the
  // difference, 250 x sqrt(1/100 + 1/500) = 27.4 ms each, is the line.
  CHECK(evidence(100, 593.6).second == 100);  // 481.3 before: 4.1 sd
  CHECK(evidence(100, 589.0).second == 600);  // 482.2 before: 3.9 sd
  // Nor do a few calls before the newest (the window has barely begun).
  auto early = [](long long calls, long long recent_calls) {
    model_view v;
    // 1000 ms before the newest calls, 2000 ms since.
    v.latency_samples = calls;
    v.mean_latency_ms =
        static_cast<double>((calls - recent_calls) * 1000 + recent_calls * 2000) / calls;
    v.latency_sd_ms = 100;
    v.recent_latency_samples = recent_calls;
    v.recent_mean_latency_ms = 2000;
    return latency_of(v, engine_options{}, 0).samples;
  };
  CHECK(early(110, 100) == 110);
  CHECK(early(120, 100) == 100);
}

TEST_CASE("a fresh latency profile is pooled with the model's own calls") {
  const engine_options options;
  model_view v;
  v.latency_samples = 2;  // two calls that happened to be quick
  v.mean_latency_ms = 275;
  latency_profile p;
  p.mean_ms = 600;
  p.p50_ms = 520;
  p.sample_count = 400;
  v.profile = p;
  v.profile_at = 100'000;
  auto e = latency_of(v, options, 100'000 + options.profile_fresh_ms);
  CHECK(e.mean_ms == Approx((2 * 275 + 400 * 600) / 402.0));
  CHECK(e.samples == 402);
  // A profile of very many calls counts as 1000: the model's own calls
  // keep a say.
  v.profile->sample_count = 100'000;
  e = latency_of(v, options, 100'000);
  CHECK(e.samples == 1002);
  v.profile->sample_count = 400;
  // A stale profile does not count beside own calls ...
  e = latency_of(v, options, 100'001 + options.profile_fresh_ms);
  CHECK(e.mean_ms == 275);
  CHECK(e.samples == 2);
  // ... but is the best guess without any (its median when it has no mean).
  v.latency_samples = 0;
  v.mean_latency_ms.reset();
  CHECK(latency_of(v, options, 10'000'000).mean_ms == 600);
  CHECK(latency_of(v, options, 10'000'000).samples == 0);
  v.profile->mean_ms = 0;
  CHECK(latency_of(v, options, 10'000'000).mean_ms == 520);
  v.profile.reset();
  CHECK(latency_of(v, options, 0).mean_ms == options.default_latency_ms);
  CHECK(latency_of(v, options, 0).samples == 0);
}

TEST_CASE("while the newest calls show a change, a profile does not count") {
  const engine_options options;
  model_view v;
  v.latency_samples = 600;
  v.mean_latency_ms = 500;
  v.latency_sd_ms = 250;
  v.recent_latency_samples = 100;
  v.recent_mean_latency_ms = 1000;  // the model slowed
  latency_profile p;
  p.mean_ms = 450;  // a period mostly before the change
  p.sample_count = 400;
  v.profile = p;
  v.profile_at = 59'000;
  auto e = latency_of(v, options, 60'000);
  CHECK(e.mean_ms == 1000);
  CHECK(e.samples == 100);
  // Once the newest calls agree with the rest again, it counts.
  v.recent_mean_latency_ms = 500;
  e = latency_of(v, options, 60'000);
  CHECK(e.mean_ms == Approx((600 * 500 + 400 * 450) / 1000.0));
  CHECK(e.samples == 1000);
  // A profile made after now (a clock that stepped back) is not fresh.
  e = latency_of(v, options, 58'000);
  CHECK(e.samples == 600);
}

TEST_CASE("the score is the expected utility of the route's objective") {
  const route_spec route{"r", {cheap.id}, {0.6, 0.2, 0.2}, 0.01, 5000};
  aggregator agg(aggregator_options{}, {model_spec{cheap.id, cheap.price, 0.8}});
  // 100 calls, no errors, 1000 ms each.
  for (int i = 0; i < 100; ++i)
    agg.apply(outcome(cheap.id, true, 1000, 0.0014), i);
  auto view = agg.views(200)[cheap.id];
  auto a = assess(route, &cheap, &view, {1000, 200}, engine_options{}, 0);
  REQUIRE(a.excluded.empty());
  const double p_error = 0.1 / 105;  // the error-rate prior over 100 clean calls
  const double success = 0.6 * 0.8 - 0.2 * 0.0014 / 0.01 - 0.2 * 1000 / 5000.0;
  REQUIRE(*a.score == Approx((1 - p_error) * success - p_error));
  REQUIRE(a.expected_latency_ms == Approx(1000));
  REQUIRE(a.latency_samples == 100);
}

TEST_CASE("the time to first token is told as latency is: own calls, the newest, a profile") {
  const engine_options options;
  model_view v;
  v.latency_samples = 600;
  v.mean_latency_ms = 2000;
  // Never streamed, never profiled with a first-token time: none.
  CHECK_FALSE(ttft_of(v, options, 0));
  latency_profile p;
  p.mean_ms = 1800;
  p.sample_count = 400;
  v.profile = p;
  v.profile_at = 59'000;
  CHECK_FALSE(ttft_of(v, options, 60'000));
  // A LatencyLens profile with one is the best guess without own calls.
  v.profile->ttft_ms = 400;
  CHECK(ttft_of(v, options, 10'000'000)->mean_ms == 400);
  CHECK(ttft_of(v, options, 10'000'000)->samples == 0);
  // Own streamed calls pool with a fresh profile's ...
  v.ttft_samples = 100;
  v.mean_ttft_ms = 300;
  v.ttft_sd_ms = 50;
  auto e = ttft_of(v, options, 60'000);
  CHECK(e->mean_ms == Approx((100 * 300 + 400 * 400) / 500.0));
  CHECK(e->samples == 500);
  // ... and the newest alone tell when they show a change.
  v.recent_ttft_samples = 40;
  v.recent_mean_ttft_ms = 600;
  e = ttft_of(v, options, 60'000);
  CHECK(e->mean_ms == 600);
  CHECK(e->samples == 40);
  // The whole answer's latency is told apart.
  CHECK(latency_of(v, options, 60'000).mean_ms == Approx((600 * 2000 + 400 * 1800) / 1000.0));
}

TEST_CASE("the first token's share of the answer pools the candidates that streamed") {
  const engine_options options;
  model_view streamed_fast, streamed_slow, never;
  streamed_fast.latency_samples = streamed_fast.ttft_samples = 50;
  streamed_fast.mean_latency_ms = 1000;
  streamed_fast.mean_ttft_ms = 100;
  streamed_slow.latency_samples = streamed_slow.ttft_samples = 50;
  streamed_slow.mean_latency_ms = 3000;
  streamed_slow.mean_ttft_ms = 900;
  never.latency_samples = 50;
  never.mean_latency_ms = 2000;
  CHECK(*first_token_share({&streamed_fast, &streamed_slow, &never, nullptr}, options, 0) ==
        Approx(1000.0 / 4000));
  CHECK_FALSE(first_token_share({&never, nullptr}, options, 0));
  CHECK_FALSE(first_token_share({}, options, 0));
  // Never more than the whole answer, whatever the measurements.
  streamed_fast.mean_ttft_ms = 5000;
  CHECK(*first_token_share({&streamed_fast}, options, 0) == 1);

  route_spec total_route{"r", {}, {0.6, 0.2, 0.2}, 0.01, 5000};
  route_spec ttft_route = total_route;
  ttft_route.latency_metric = "ttft";
  auto weighed = latency_weighed(total_route, streamed_slow, 0.25, options, 0);
  CHECK(weighed.basis == latency_basis::total);
  CHECK(weighed.evidence.mean_ms == 3000);
  weighed = latency_weighed(ttft_route, streamed_slow, 0.25, options, 0);
  CHECK(weighed.basis == latency_basis::ttft);
  CHECK(weighed.evidence.mean_ms == 900);
  weighed = latency_weighed(ttft_route, never, 0.25, options, 0);
  CHECK(weighed.basis == latency_basis::ttft_from_total);
  CHECK(weighed.evidence.mean_ms == 500);
  CHECK(weighed.evidence.samples == 50);
  weighed = latency_weighed(ttft_route, never, std::nullopt, options, 0);
  CHECK(weighed.basis == latency_basis::total_for_ttft);
  CHECK(weighed.evidence.mean_ms == 2000);
}
