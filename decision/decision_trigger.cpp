#include "decision/decision_trigger.hpp"

#include <array>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "decision/enum_names.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 9> trigger_kind_names{
    "tick",   "startup", "rescore",  "circuit_open", "circuit_closed",
    "config", "signal",  "recorded", "takeover"};

decision_trigger of(trigger_cause c) {
  decision_trigger t;
  t.causes.front() = std::move(c);
  return t;
}

std::string words(const trigger_cause& c) {
  switch (c.kind) {
    case trigger_kind::tick:
      return "tick";
    case trigger_kind::startup:
      return "startup";
    case trigger_kind::circuit_open:
      return "circuit open: " + c.model;
    case trigger_kind::circuit_closed:
      return "circuit closed: " + c.model;
    case trigger_kind::config:
      return "configuration snapshot " + std::to_string(c.snapshot) + " from " + c.detail;
    case trigger_kind::signal:
      return c.signal ? describe(*c.signal) : "signal";
    case trigger_kind::takeover:
      return "took over as decider: " + c.detail;
    case trigger_kind::rescore:
    case trigger_kind::recorded:
      break;
  }
  return c.detail;
}

// -- a signal as far as describe() names it ------------------------------------

// The body of alternative `index`, default-constructed.
template <std::size_t... I>
signal_body body_at(std::size_t index, std::index_sequence<I...>) {
  signal_body out;
  ((index == I ? (out.emplace<I>(), 0) : 0), ...);
  return out;
}

// j[key] read by `parse` into `out`; false when absent or unknown.
template <class E>
bool read(const nlohmann::json& j, const char* key, std::optional<E> (*parse)(std::string_view),
          E& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  auto parsed = parse(it->get_ref<const std::string&>());
  if (parsed) out = *parsed;
  return parsed.has_value();
}

nlohmann::json signal_json(const typed_signal& s) {
  nlohmann::json j{{"kind", to_string(s.kind())}};
  if (!s.id.empty()) j["id"] = s.id;
  if (!s.model.empty()) j["model"] = s.model;
  std::visit(
      [&j](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, anomaly_event>) {
          j.update({{"type", to_string(b.type)}, {"level", to_string(b.level)}});
          if (!b.active) j["active"] = false;
        } else if constexpr (std::is_same_v<T, latency_anomaly>) {
          j.update({{"type", to_string(b.type)}, {"level", to_string(b.level)}});
        } else if constexpr (std::is_same_v<T, drift_signal>) {
          j.update({{"type", to_string(b.type)}, {"magnitude", b.magnitude}});
        } else if constexpr (std::is_same_v<T, policy_block>) {
          j.update({{"reason", to_string(b.reason)}, {"action", to_string(b.action)}});
          if (!b.route.empty()) j["route"] = b.route;
        } else if constexpr (std::is_same_v<T, call_outcome>) {
          j["status"] = to_string(b.status);
        }
      },
      s.body);
  return j;
}

std::optional<typed_signal> signal_from(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto kind = parse_signal_kind(j.value("kind", std::string{}));
  if (!kind) return std::nullopt;
  typed_signal s;
  s.id = j.value("id", std::string{});
  s.model = j.value("model", std::string{});
  s.body = body_at(static_cast<std::size_t>(*kind), std::make_index_sequence<signal_kind_count>{});
  bool ok = true;
  std::visit(
      [&](auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, anomaly_event>) {
          ok = read(j, "type", parse_anomaly_type, b.type) &&
               read(j, "level", parse_severity, b.level);
          b.active = j.value("active", true);
        } else if constexpr (std::is_same_v<T, latency_anomaly>) {
          ok = read(j, "type", parse_latency_anomaly_type, b.type) &&
               read(j, "level", parse_severity, b.level);
        } else if constexpr (std::is_same_v<T, drift_signal>) {
          ok = read(j, "type", parse_drift_type, b.type);
          b.magnitude = j.value("magnitude", 0.0);
        } else if constexpr (std::is_same_v<T, policy_block>) {
          ok = read(j, "reason", parse_policy_reason, b.reason) &&
               read(j, "action", parse_policy_action, b.action);
          b.route = j.value("route", std::string{});
        } else if constexpr (std::is_same_v<T, call_outcome>) {
          ok = read(j, "status", parse_call_status, b.status);
        }
      },
      s.body);
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

std::string_view to_string(trigger_kind k) {
  return name_of(trigger_kind_names, k);
}

std::optional<trigger_kind> parse_trigger_kind(std::string_view s) {
  return parse_name<trigger_kind>(trigger_kind_names, s);
}

void decision_trigger::add(const decision_trigger& later) {
  causes.insert(causes.end(), later.causes.begin(), later.causes.end());
}

decision_trigger tick_trigger() {
  return of({trigger_kind::tick, {}, {}, 0, {}});
}

decision_trigger startup_trigger() {
  return of({trigger_kind::startup, {}, {}, 0, {}});
}

decision_trigger rescore_trigger(std::string who) {
  return of({trigger_kind::rescore, {}, {}, 0, std::move(who)});
}

decision_trigger circuit_trigger(const model_key& model, bool open) {
  return of({open ? trigger_kind::circuit_open : trigger_kind::circuit_closed, {}, model, 0, {}});
}

decision_trigger config_trigger(long long snapshot, std::string source) {
  return of({trigger_kind::config, {}, {}, snapshot, std::move(source)});
}

decision_trigger signal_trigger(const typed_signal& s) {
  return of({trigger_kind::signal, s, {}, 0, {}});
}

decision_trigger recorded_trigger(std::string words) {
  return of({trigger_kind::recorded, {}, {}, 0, std::move(words)});
}

decision_trigger takeover_trigger(std::string detail) {
  return of({trigger_kind::takeover, {}, {}, 0, std::move(detail)});
}

std::string describe(const decision_trigger& t) {
  std::string out;
  for (const auto& c : t.causes)
    out += (out.empty() ? "" : "; ") + words(c);
  return out;
}

std::string metric_label(const decision_trigger& t) {
  const auto& first = t.causes.front();
  if (first.kind == trigger_kind::signal && first.signal)
    return "signal_" + std::string{to_string(first.signal->kind())};
  return std::string{to_string(first.kind)};
}

void to_json(nlohmann::json& j, const decision_trigger& t) {
  j = nlohmann::json::array();
  for (const auto& c : t.causes) {
    nlohmann::json cause{{"kind", to_string(c.kind)}};
    if (c.signal) cause["signal"] = signal_json(*c.signal);
    if (!c.model.empty()) cause["model"] = c.model;
    if (c.snapshot) cause["snapshot"] = c.snapshot;
    if (!c.detail.empty()) cause["detail"] = c.detail;
    j.push_back(std::move(cause));
  }
}

std::optional<decision_trigger> trigger_from_json(const nlohmann::json& j) {
  if (!j.is_array() || j.empty()) return std::nullopt;
  decision_trigger t;
  t.causes.clear();
  for (const auto& c : j) {
    if (!c.is_object()) return std::nullopt;
    trigger_cause cause;
    auto kind = parse_trigger_kind(c.value("kind", std::string{}));
    if (!kind) return std::nullopt;
    cause.kind = *kind;
    if (auto s = c.find("signal"); s != c.end()) {
      cause.signal = signal_from(*s);
      if (!cause.signal) return std::nullopt;
    }
    cause.model = c.value("model", std::string{});
    cause.snapshot = c.value("snapshot", 0LL);
    cause.detail = c.value("detail", std::string{});
    t.causes.push_back(std::move(cause));
  }
  return t;
}

}  // namespace llmopt
