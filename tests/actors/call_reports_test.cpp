// The request path's reports to the actors: one at a time when the gateway
// is quiet, together when calls end close to each other, nothing lost.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include <caf/all.hpp>

#include "actors/call_reports.hpp"
#include "adapters/providers/curl_loop.hpp"

using namespace llmopt;

namespace {

// What one receiver got: the number of messages and of reports in them.
struct tally {
  int messages = 0;
  int reports = 0;
};

// Runs `fn` on the loop's thread and waits for it.
void on_loop(curl_loop& loop, const std::function<void()>& fn) {
  std::promise<void> done;
  loop.post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

typed_signal a_call() {
  call_outcome c;
  c.route = "chat";
  c.latency_ms = 12;
  return router_call_signal(model_key{"openai", "gpt-4o"}, c, nullptr, 1);
}

}  // namespace

TEST_CASE("reports go at once when quiet, and together within the interval when not") {
  caf::actor_system_config cfg;
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // Each receiver forwards what it got to the test as (kind, count).
  auto forward = [&](int kind) {
    return sys.spawn([kind, to = caf::actor{self}](caf::event_based_actor* a) -> caf::behavior {
      return {
          [=](const provider_calls& m) { a->send(to, kind, static_cast<int>(m.calls.size())); },
          [=](const signal_batch& m) {
            a->send(to, kind, static_cast<int>(m.signals.size()),
                    static_cast<int>(m.received[static_cast<std::size_t>(signal_source::router)]));
          },
          [=](const spend_batch& m) {
            a->send(to, kind, static_cast<int>(m.entries.size()));
          },
      };
    });
  };
  auto router = forward(0);
  auto aggregator = forward(1);
  auto store = forward(2);
  auto loop_owner = std::make_unique<curl_loop>();
  curl_loop& loop = *loop_owner;
  call_reports reports(loop, router, aggregator, store, std::chrono::milliseconds(200));

  tally got[3];
  auto receive_one = [&] {
    self->receive([&](int kind, int n) { got[kind].messages++, got[kind].reports += n; },
                  [&](int kind, int n, int received) {
                    CHECK(received == n);
                    got[kind].messages++, got[kind].reports += n;
                  },
                  caf::after(std::chrono::seconds(10)) >> [] { FAIL("no report came"); });
  };

  // Quiet: the first call's reports go at once, one message each.
  on_loop(loop, [&] {
    reports.provider_called({"openai", outcome_class::ok, 200, ""});
    reports.model_called(a_call());
    reports.billed({spend_entry{}});
  });
  // provider_called flushed at once; the others came within the interval
  // just opened, so they wait for its end together.
  for (int i = 0; i < 3; ++i)
    receive_one();
  CHECK(got[0].messages == 1);
  CHECK(got[1].reports == 1);
  CHECK(got[2].reports == 1);

  // Busy: 50 calls within the interval arrive as one message per actor.
  on_loop(loop, [&] {
    for (int i = 0; i < 50; ++i) {
      reports.provider_called({"openai", outcome_class::ok, 200, ""});
      reports.model_called(a_call());
      reports.billed({spend_entry{}, spend_entry{}});
    }
  });
  for (int i = 0; i < 3; ++i)
    receive_one();
  CHECK(got[0].messages == 2);
  CHECK(got[0].reports == 51);
  CHECK(got[1].reports == 51);
  CHECK(got[2].reports == 101);

  // What is left when the loop stops goes with flush(), as at shutdown.
  on_loop(loop, [&] { reports.provider_called({"openai", outcome_class::ok, 200, ""}); });
  loop_owner.reset();  // its pending flush goes with it
  reports.flush();
  receive_one();
  CHECK(got[0].reports == 52);
  for (auto* a : {&router, &aggregator, &store})
    self->send_exit(*a, caf::exit_reason::user_shutdown);
}
