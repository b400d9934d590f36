#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/signal.hpp"

namespace llmopt {

// What set off a rescoring, as data. Words are made at the edge
// (describe(): records, the CLI, logs); metrics count decisions by
// metric_label(), a bounded code.
enum class trigger_kind {
  tick,            // the decision tick (decision.tick_ms)
  startup,         // the first decision after start
  rescore,         // asked for; detail: by whom
  circuit_open,    // the request path's breaker of `model` opened
  circuit_closed,  // ... or closed
  config,          // a new configuration applied: snapshot, and detail: its source
  signal,          // an urgent signal (is_urgent): `signal`
  recorded,        // read from a decision record older than trigger data: detail, its words
  takeover,        // this instance became the decider of the route (kafka.share_decisions):
                   // detail, which partition of the decisions topic
};

// Names as stored: "tick", "startup", ...; parse gives nullopt for any other.
std::string_view to_string(trigger_kind k);
std::optional<trigger_kind> parse_trigger_kind(std::string_view s);

// One thing that set off a rescoring.
struct trigger_cause {
  trigger_kind kind = trigger_kind::tick;
  // signal: the urgent signal. A record keeps what describe() names of it
  // (kind, id, model; type, level, resolution, magnitude, policy reason,
  // action and route, call status), not the rest of its body.
  std::optional<typed_signal> signal;
  model_key model;         // circuit_open, circuit_closed
  long long snapshot = 0;  // config: the configuration snapshot's id
  std::string detail;      // rescore: who asked; config: the source; recorded: the words
};

// What set off a decision: one cause, or several that arrived while the
// decision before it was being made, in their order (the first one's kind
// is the trigger's kind).
struct decision_trigger {
  std::vector<trigger_cause> causes{trigger_cause{}};  // never empty

  trigger_kind kind() const { return causes.front().kind; }
  // The tick alone: the only trigger a decision does not name in its
  // reasons.
  bool tick_only() const { return causes.size() == 1 && kind() == trigger_kind::tick; }
  // Appends `later`'s causes.
  void add(const decision_trigger& later);
};

decision_trigger tick_trigger();
decision_trigger startup_trigger();
decision_trigger rescore_trigger(std::string who);
decision_trigger circuit_trigger(const model_key& model, bool open);
decision_trigger config_trigger(long long snapshot, std::string source);
decision_trigger signal_trigger(const typed_signal& s);
decision_trigger recorded_trigger(std::string words);
decision_trigger takeover_trigger(std::string detail);

// In words: "tick", "startup", "circuit open: openai:gpt-4o", "configuration
// snapshot 7 from SIGHUP", a signal's
// describe() ("anomaly a-17 availability_issue/critical on openai:gpt-4o");
// several causes joined by "; ".
std::string describe(const decision_trigger& t);

// The trigger's kind as a metric label, from a bounded set: "tick",
// "startup", "rescore", "circuit_open", "circuit_closed", "config",
// "signal_<kind of signal>" ("signal_anomaly", "signal_policy_block", ...),
// "recorded", "takeover".
std::string metric_label(const decision_trigger& t);

// An array of causes: {"kind": ..., "signal": {...}, "model": ...,
// "snapshot": ..., "detail": ...} (members only when set). trigger_from_json gives nullopt
// for a trigger it cannot read (a newer version's kind).
void to_json(nlohmann::json& j, const decision_trigger& t);
std::optional<decision_trigger> trigger_from_json(const nlohmann::json& j);

}  // namespace llmopt
