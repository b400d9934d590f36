// The decision actor: what set each decision off reaches its record as data
// and GET /metrics as a bounded label.

#include <catch2/catch.hpp>

#include <future>
#include <memory>

#include "actors/decision_actor.hpp"
#include "actors/messages.hpp"

namespace llmopt {
namespace {

const model_key gpt = "openai:gpt-4o";
const model_key mini = "openai:gpt-4o-mini";

// Answers views_atom with the views it was last given (none at first).
caf::behavior fake_aggregator(caf::stateful_actor<model_views>* self) {
  self->state = std::make_shared<std::unordered_map<model_key, model_view>>();
  return {
      [self](views_atom) { return self->state; },
      [self](const model_views& views) {
        self->state = views;
        return true;
      },
  };
}

using kept_atom = caf::atom_constant<caf::atom("kept")>;

// Keeps every decision it is sent; kept_atom: all of them.
caf::behavior fake_store(caf::stateful_actor<decision_batch>* self) {
  return {
      [self](const decision_batch& b) {
        auto& kept = self->state.decisions;
        kept.insert(kept.end(), b.decisions.begin(), b.decisions.end());
      },
      [self](kept_atom) { return self->state; },
  };
}

using gate_atom = caf::atom_constant<caf::atom("gate")>;

// An aggregator that, while closed, holds every views request until it is
// opened again (gate_atom, true), then answers it with the views it had
// when asked; open, it answers at once with the views it was last given.
struct gate_state {
  bool open = true;
  model_views views;
  std::vector<std::pair<caf::typed_response_promise<model_views>, model_views>> held;
};

caf::behavior gated_aggregator(caf::stateful_actor<gate_state>* self, model_views views) {
  self->state.views = std::move(views);
  return {
      [self](views_atom) {
        auto promise = self->make_response_promise<model_views>();
        if (self->state.open)
          promise.deliver(self->state.views);
        else
          self->state.held.emplace_back(promise, self->state.views);
        return promise;
      },
      [self](const model_views& views) {
        self->state.views = views;
        return true;
      },
      [self](gate_atom, bool open) {
        self->state.open = open;
        if (!open) return open;
        for (auto& [promise, views] : self->state.held)
          promise.deliver(views);
        self->state.held.clear();
        return open;
      },
  };
}

using tell_atom = caf::atom_constant<caf::atom("tell")>;

// An aggregator as the real one orders its messages: a views request it
// holds is answered with the views it has when it answers, and it tells
// the decision actor of an urgent signal (tell_atom) when it applies it, so
// before answering a request that waits behind it.
struct applying_state {
  model_views views;
  std::vector<caf::typed_response_promise<model_views>> held;
  bool holding = true;
};

caf::behavior applying_aggregator(caf::stateful_actor<applying_state>* self) {
  self->state.views = std::make_shared<std::unordered_map<model_key, model_view>>();
  return {
      [self](views_atom) {
        auto promise = self->make_response_promise<model_views>();
        if (self->state.holding)
          self->state.held.push_back(promise);
        else
          promise.deliver(self->state.views);
        return promise;
      },
      // Applies an urgent signal: new views, and the decision actor told.
      [self](tell_atom, const model_views& views, const caf::actor& decision,
             const decision_trigger& trigger) {
        self->state.views = views;
        self->send(decision, urgent_atom::value, trigger);
        return true;
      },
      [self](gate_atom, bool open) {
        self->state.holding = !open;
        for (auto& promise : self->state.held)
          promise.deliver(self->state.views);
        self->state.held.clear();
        return open;
      },
  };
}

caf::behavior ignore_tables(caf::event_based_actor*) {
  return {[](const routing_table&) {}};
}

// An availability anomaly on gpt-4o, the views that hold it, and a
// decision actor's other parts for the route chat (gpt-4o, gpt-4o-mini),
// deciding on a clock that stands still.
struct anomaly_setup {
  typed_signal signal;
  model_views views;
  decision_actor_config dc;
  std::shared_ptr<decision_engine> engine;

  anomaly_setup(caf::actor_system& sys, const std::string& anomaly_id, caf::actor aggregator) {
    anomaly_event body;
    body.anomaly_id = anomaly_id;
    body.type = anomaly_type::availability_issue;
    body.level = severity::critical;
    signal = typed_signal{anomaly_id, 0, gpt, body};
    auto held = std::make_shared<std::unordered_map<model_key, model_view>>();
    (*held)[gpt].model = gpt;
    (*held)[gpt].anomalies.push_back({anomaly_id, anomaly_type::availability_issue,
                                      severity::critical, 0, 0, 2'000'000, describe(signal)});
    views = held;
    dc.tick = std::chrono::hours(1);
    dc.aggregator = std::move(aggregator);
    dc.store = sys.spawn(fake_store);
    dc.router = sys.spawn(ignore_tables);
    dc.clock = [] { return time_ms{1'000'000}; };
    route_spec chat;
    chat.name = "chat";
    chat.candidates = {gpt, mini};
    engine = std::make_shared<decision_engine>(engine_options{}, std::vector<route_spec>{chat},
                                               std::vector<model_spec>{}, 0);
  }
};

// The tests' requests, answered before they return; an error fails the test.
void rescore(caf::scoped_actor& self, const caf::actor& decider, const decision_trigger& trigger) {
  self->request(decider, caf::infinite, rescore_atom::value, trigger)
      .receive([](const routing_table&) {},
               [&](const caf::error& e) { FAIL("rescore: " << caf::to_string(e)); });
}

void set_gate(caf::scoped_actor& self, const caf::actor& aggregator, bool open) {
  self->request(aggregator, caf::infinite, gate_atom::value, open)
      .receive([](bool) {}, [&](const caf::error& e) { FAIL("gate: " << caf::to_string(e)); });
}

void give_views(caf::scoped_actor& self, const caf::actor& aggregator, const model_views& views) {
  self->request(aggregator, caf::infinite, views)
      .receive([](bool) {}, [&](const caf::error& e) { FAIL("views: " << caf::to_string(e)); });
}

std::vector<decision> kept_decisions(caf::scoped_actor& self, const caf::actor& store) {
  std::vector<decision> kept;
  self->request(store, caf::infinite, kept_atom::value)
      .receive([&](const decision_batch& b) { kept = b.decisions; },
               [&](const caf::error& e) { FAIL("store: " << caf::to_string(e)); });
  return kept;
}

// The decider's counts, once it has handled everything sent to it before.
nlohmann::json decisions_counted(const caf::actor& decider) {
  std::promise<nlohmann::json> counted;
  caf::anon_send(decider, decisions_query{[&](nlohmann::json d) { counted.set_value(d); }});
  return counted.get_future().get();
}

// The last decision kept is named by `signal` first, with no tick among its
// causes.
void check_last_named_by(const std::vector<decision>& kept, const typed_signal& signal) {
  REQUIRE_FALSE(kept.empty());
  const auto& last = kept.back().trigger;
  INFO(describe(last));
  CHECK(last.kind() == trigger_kind::signal);
  CHECK(describe(last).rfind(describe(signal), 0) == 0);
  for (const auto& cause : last.causes)
    CHECK(cause.kind != trigger_kind::tick);
}

void stop(caf::scoped_actor& self, const caf::actor& decider, const decision_actor_config& dc) {
  for (const auto& a : {decider, dc.aggregator, dc.store, dc.router})
    self->send_exit(a, caf::exit_reason::user_shutdown);
}

}  // namespace

TEST_CASE("decisions are counted by what set them off, as a code, and recorded with its data") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  anomaly_setup setup(sys, "a-1", sys.spawn(fake_aggregator));
  decision_actor_config& dc = setup.dc;
  auto actor = sys.spawn(decision_actor, setup.engine, dc);
  caf::scoped_actor self{sys};
  // The first decision: the actor's startup one, or this one if it came
  // first (an actor starts when first scheduled). After the second, the
  // startup decision is made whichever came first.
  rescore(self, actor, rescore_trigger("sync"));
  rescore(self, actor, rescore_trigger("sync"));

  // A critical anomaly on gpt, and the signal that raised it.
  const typed_signal& signal = setup.signal;
  give_views(self, dc.aggregator, setup.views);
  rescore(self, actor, signal_trigger(signal));

  const auto by_trigger = decisions_counted(actor)["by_trigger"];
  CHECK(by_trigger.size() == 2);
  CHECK(by_trigger.value("startup", 0) + by_trigger.value("rescore", 0) == 1);
  CHECK(by_trigger["signal_anomaly"] == 1);

  // Sent to the store before the rescore was answered.
  const auto kept = kept_decisions(self, dc.store);
  REQUIRE(kept.size() == 2);
  const auto& d = kept.back();
  CHECK(d.trigger.kind() == trigger_kind::signal);
  CHECK(d.trigger.causes.front().signal->id == "a-1");
  REQUIRE_FALSE(d.reasons.empty());
  CHECK(d.reasons.front().code == reason_code::excluded);
  CHECK(d.reasons.front().model == gpt);
  CHECK(d.reasons.front().why.is(constraint_code::anomaly));
  CHECK(reason_lines(d).front() == "triggered by " + describe(signal));
  stop(self, actor, dc);
}

TEST_CASE("a tick queued before an urgent trigger leaves the decision named by the urgent one") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  anomaly_setup setup(
      sys, "a-2",
      sys.spawn(gated_aggregator,
                model_views{std::make_shared<std::unordered_map<model_key, model_view>>()}));
  const typed_signal& signal = setup.signal;
  const model_views& views = setup.views;
  decision_actor_config& dc = setup.dc;
  auto actor = sys.spawn(decision_actor, setup.engine, dc);
  caf::scoped_actor self{sys};
  rescore(self, actor, rescore_trigger("sync"));  // past the startup decision, whenever made
  rescore(self, actor, rescore_trigger("sync"));
  set_gate(self, dc.aggregator, false);
  // A decision waits on the closed aggregator; behind it, a tick and then
  // the anomaly queue up.
  caf::anon_send(actor, urgent_atom::value, rescore_trigger("held"));
  caf::anon_send(actor, tick_atom::value);
  caf::anon_send(actor, urgent_atom::value, signal_trigger(signal));
  decisions_counted(actor);  // all three are queued
  give_views(self, dc.aggregator, views);
  set_gate(self, dc.aggregator, true);
  rescore(self, actor, rescore_trigger("sync"));  // answered after the queued decision

  check_last_named_by(kept_decisions(self, dc.store), signal);
  stop(self, actor, dc);
}

TEST_CASE(
    "an urgent signal applied while a tick's views are on their way names the decision made "
    "from them") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  anomaly_setup setup(sys, "a-3", sys.spawn(applying_aggregator));
  const typed_signal& signal = setup.signal;
  const model_views& views = setup.views;
  decision_actor_config& dc = setup.dc;
  auto actor = sys.spawn(decision_actor, setup.engine, dc);
  caf::scoped_actor self{sys};
  // The startup decision, answered.
  set_gate(self, dc.aggregator, true);
  rescore(self, actor, rescore_trigger("sync"));
  set_gate(self, dc.aggregator, false);
  // A tick's views request waits at the aggregator; the anomaly is applied
  // before it is answered.
  caf::anon_send(actor, tick_atom::value);
  decisions_counted(actor);  // the tick has asked for views
  self->request(dc.aggregator, caf::infinite, tell_atom::value, model_views{views}, actor,
                signal_trigger(signal))
      .receive([](bool) {}, [&](const caf::error& e) { FAIL("tell: " << caf::to_string(e)); });
  set_gate(self, dc.aggregator, true);
  rescore(self, actor, rescore_trigger("sync"));  // answered after the tick's decision (and any after it)

  // The decision that took gpt-4o out is named by the anomaly, and none
  // came after it.
  check_last_named_by(kept_decisions(self, dc.store), signal);
  stop(self, actor, dc);
}

}  // namespace llmopt
