#include "actors/metrics_page.hpp"

#include <deque>
#include <initializer_list>
#include <optional>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace llmopt {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using label_list = std::vector<ClientMetric::Label>;

// The families of one scrape, built as the documents are read.
class families {
 public:
  MetricFamily& family(const char* name, const char* help, MetricType type) {
    all_.push_back({name, help, type, {}});
    return all_.back();
  }
  static void add(MetricFamily& f, label_list labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter)
      m.counter.value = value;
    else
      m.gauge.value = value;
    f.metric.push_back(std::move(m));
  }
  // One sample from `doc[member]` when it is a number (or a boolean, as 0
  // or 1); nothing otherwise.
  void sample(const char* name, const char* help, MetricType type, const nlohmann::json& doc,
              const char* member) {
    if (auto v = number(doc, member)) add(family(name, help, type), {}, *v);
  }
  static std::optional<std::string> text(const nlohmann::json& doc, const char* member) {
    if (!doc.is_object()) return std::nullopt;
    auto it = doc.find(member);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  }
  static const nlohmann::json& object(const nlohmann::json& doc, const char* member) {
    static const nlohmann::json none = nlohmann::json::object();
    if (!doc.is_object()) return none;
    auto it = doc.find(member);
    return it != doc.end() && it->is_object() ? *it : none;
  }
  static bool flag(const nlohmann::json& doc, const char* member) {
    return number(doc, member).value_or(0) != 0;
  }
  std::vector<MetricFamily> take() {
    std::vector<MetricFamily> out;
    for (auto& f : all_)
      if (!f.metric.empty()) out.push_back(std::move(f));
    return out;
  }

  static std::optional<double> number(const nlohmann::json& doc, const char* member) {
    if (!doc.is_object()) return std::nullopt;
    auto it = doc.find(member);
    if (it == doc.end()) return std::nullopt;
    if (it->is_number()) return it->get<double>();
    if (it->is_boolean()) return it->get<bool>() ? 1.0 : 0.0;
    return std::nullopt;
  }

 private:
  std::deque<MetricFamily> all_;  // a deque: a family's reference stays valid as others are added
};

void add_routes(families& out, const routing_table& routes) {
  auto& weight = out.family("llmopt_routing_weight",
                            "Share of a route's traffic a candidate gets, from the latest decision",
                            MetricType::Gauge);
  for (const auto& [route, w] : routes)
    for (const auto& [model, share] : w.weights)
      families::add(weight, {{"model", model}, {"route", route}}, share);
  auto& decision = out.family("llmopt_routing_decision_id",
                              "The decision that set a route's weights (llmopt decisions explain ID)",
                              MetricType::Gauge);
  for (const auto& [route, w] : routes)
    families::add(decision, {{"route", route}}, static_cast<double>(w.decision_id));
}

void add_decisions(families& out, const nlohmann::json& d) {
  auto& made = out.family("llmopt_decisions_total",
                          "Routing decisions made since start, by what set them off",
                          MetricType::Counter);
  for (const auto& [trigger, n] : families::object(d, "by_trigger").items())
    if (n.is_number()) families::add(made, {{"trigger", trigger}}, n.get<double>());
  auto& constrained = out.family(
      "llmopt_candidate_constrained",
      "1 while a route's last decision excluded or held back a candidate, by why",
      MetricType::Gauge);
  if (!d.is_object() || !d.contains("constrained") || !d["constrained"].is_array()) return;
  for (const auto& c : d["constrained"]) {
    auto route = families::text(c, "route");
    auto model = families::text(c, "model");
    auto why = families::text(c, "constraint");
    if (!route || !model || !why) continue;
    families::add(constrained,
                  {{"constraint", *why},
                   {"how", families::flag(c, "excluded") ? "excluded" : "held_back"},
                   {"model", *model},
                   {"route", *route}},
                  1);
  }
}

void add_pipeline(families& out, const nlohmann::json& p, time_ms now) {
  const std::initializer_list<std::pair<const char*, const char*>> counters = {
      {"received", "Signals received from Kafka (and the gateway's own calls), by source"},
      {"applied", "Signals applied to the statistics, by source"},
      {"duplicates", "Signals dropped as already applied (same id in the dedup window), by source"},
      {"dead_lettered", "Signals sent to the dead-letter topic, by source"},
  };
  const auto& sources = families::object(p, "sources");
  for (const auto& [member, help] : counters) {
    const std::string name = std::string("llmopt_signals_") + member + "_total";
    auto& f = out.family(name.c_str(), help, MetricType::Counter);
    for (const auto& [source, c] : sources.items())
      if (auto v = families::number(c, member)) families::add(f, {{"source", source}}, *v);
  }
  auto& by_kind = out.family("llmopt_signals_applied_by_kind_total",
                             "Signals applied to the statistics, by kind", MetricType::Counter);
  for (const auto& [kind, v] : families::object(p, "applied_by_kind").items())
    if (v.is_number()) families::add(by_kind, {{"kind", kind}}, v.get<double>());
  const auto& collector = families::object(p, "collector");
  out.sample("llmopt_collector_in_flight", "Signals consumed and not yet applied",
             MetricType::Gauge, collector, "in_flight");
  out.sample("llmopt_collector_paused",
             "1 while the collector holds its partitions paused for backpressure",
             MetricType::Gauge, collector, "paused");
  out.sample("llmopt_collector_pauses_total", "Times the collector paused for backpressure",
             MetricType::Counter, collector, "pauses");
  out.sample("llmopt_collector_partitions", "Signal partitions assigned to this instance",
             MetricType::Gauge, collector, "partitions");
  if (auto partitions = families::number(collector, "partitions"))
    families::add(out.family("llmopt_collector_paused_partitions",
                             "Signal partitions held paused for backpressure", MetricType::Gauge),
                  {}, families::flag(collector, "paused") ? *partitions : 0);
  auto& lag = out.family("llmopt_consumer_lag_messages",
                         "Messages of a signal partition not yet consumed by this instance",
                         MetricType::Gauge);
  if (collector.contains("lag") && collector["lag"].is_array())
    for (const auto& l : collector["lag"])
      if (auto topic = families::text(l, "topic"))
        if (auto v = families::number(l, "messages"))
          if (auto partition = families::number(l, "partition"))
            families::add(lag,
                          {{"partition", std::to_string(static_cast<long long>(*partition))},
                           {"topic", *topic}},
                          *v);
  auto& dead = out.family("llmopt_dead_letters_total",
                          "Signals sent to the dead-letter topic since start, by reason",
                          MetricType::Counter);
  for (const auto& [reason, v] : families::object(collector, "dead_letters_by_reason").items())
    if (v.is_number()) families::add(dead, {{"reason", reason}}, v.get<double>());
  out.sample("llmopt_dedup_window_ids", "Signal ids held to drop duplicates",
               MetricType::Gauge, p, "dedup_ids");
  if (auto at = families::number(families::object(p, "checkpoint"), "at_ms"); at && *at > 0)
      families::add(out.family("llmopt_checkpoint_age_seconds",
                               "Time since the statistics were last checkpointed to SQLite",
                               MetricType::Gauge),
                    {}, (static_cast<double>(now) - *at) / 1000.0);
}

void add_providers(families& out, const nlohmann::json& providers) {
  if (!providers.is_object()) return;
  auto& calls = out.family("llmopt_provider_calls_total",
                           "Upstream calls by provider key and outcome (ok, model_failure, "
                           "credentials_error, request_error)",
                           MetricType::Counter);
  const std::initializer_list<std::pair<const char*, const char*>> outcomes = {
      {"ok", "ok"},
      {"model_failures", "model_failure"},
      {"credentials_errors", "credentials_error"},
      {"request_errors", "request_error"}};
  for (const auto& [provider, c] : providers.items())
    for (const auto& [member, outcome] : outcomes)
      if (auto v = families::number(c, member))
        families::add(calls, {{"outcome", outcome}, {"provider", provider}}, *v);
  auto& in_flight = out.family("llmopt_provider_in_flight", "Calls in flight per provider key",
                               MetricType::Gauge);
  auto& paused = out.family("llmopt_provider_paused",
                            "1 while a provider is paused because it asked to wait (429)",
                            MetricType::Gauge);
  for (const auto& [provider, c] : providers.items()) {
    const auto& limits = families::object(c, "limits");
    if (auto v = families::number(limits, "in_flight"))
      families::add(in_flight, {{"provider", provider}}, *v);
    if (auto v = families::number(limits, "paused"))
      families::add(paused, {{"provider", provider}}, *v);
  }
}

void add_breakers(families& out, const nlohmann::json& breakers) {
  if (!breakers.is_array()) return;
  auto& state = out.family("llmopt_breaker_state",
                           "A provider:model's circuit breaker: 1 for its state, 0 for the others",
                           MetricType::Gauge);
  auto& failures = out.family("llmopt_breaker_consecutive_failures",
                              "Failures in a row of a provider:model", MetricType::Gauge);
  for (const auto& b : breakers) {
    const auto model = families::text(b, "model");
    if (!model) continue;
    const auto current = families::text(b, "state").value_or("");
    for (const char* s : {"closed", "half_open", "open"})
      families::add(state, {{"model", *model}, {"state", s}}, current == s ? 1.0 : 0.0);
    if (auto v = families::number(b, "consecutive_failures"))
      families::add(failures, {{"model", *model}}, *v);
  }
}

void add_budgets(families& out, const nlohmann::json& budgets) {
  if (!budgets.is_array()) return;
  const std::initializer_list<std::pair<const char*, const char*>> members = {
      {"limit_usd", "A budget's limit for its period, in USD"},
      {"spent_usd", "What a budget's period has spent so far, in USD"},
      {"reserved_usd", "What requests in flight have reserved of a budget, in USD"},
      {"remaining_usd", "What is left of a budget's period, in USD"},
  };
  for (const auto& [member, help] : members) {
    const std::string name = std::string("llmopt_budget_") + member;
    auto& f = out.family(name.c_str(), help, MetricType::Gauge);
    for (const auto& b : budgets)
      if (auto scope = families::text(b, "scope"))
        if (auto v = families::number(b, member)) families::add(f, {{"scope", *scope}}, *v);
  }
}

void add_cache(families& out, const nlohmann::json& c) {
  if (!families::flag(c, "enabled")) return;
  out.sample("llmopt_cache_hits_total", "Answers served from the response cache",
             MetricType::Counter, c, "hits");
  out.sample("llmopt_cache_misses_total", "Cacheable requests not in the response cache",
             MetricType::Counter, c, "misses");
  out.sample("llmopt_cache_joins_total", "Requests that joined an identical call in flight",
             MetricType::Counter, c, "joins");
  out.sample("llmopt_cache_stores_total", "Answers stored in the response cache",
             MetricType::Counter, c, "stores");
  out.sample("llmopt_cache_evictions_total", "Answers evicted from the response cache",
             MetricType::Counter, c, "evictions");
  out.sample("llmopt_cache_entries", "Answers held in the response cache (memory)",
             MetricType::Gauge, c, "entries");
  out.sample("llmopt_cache_bytes", "Bytes held in the response cache (memory)", MetricType::Gauge,
             c, "bytes");
  const auto& l2 = families::object(c, "l2");
  if (families::flag(l2, "configured")) {
    out.sample("llmopt_cache_l2_hits_total", "Answers found in the Redis level",
               MetricType::Counter, l2, "hits");
    out.sample("llmopt_cache_l2_misses_total", "Lookups the Redis level did not answer",
               MetricType::Counter, l2, "misses");
    out.sample("llmopt_cache_l2_errors_total", "Redis errors and timeouts (each a miss)",
               MetricType::Counter, l2, "errors");
  }
}

}  // namespace

std::string metrics_text(const prometheus::Registry& calls, const metrics_sources& s,
                         time_ms now) {
  auto all = calls.Collect();
  families out;
  add_routes(out, s.routes);
  add_decisions(out, s.decisions);
  add_pipeline(out, s.pipeline, now);
  add_providers(out, s.providers);
  add_breakers(out, s.breakers);
  add_budgets(out, s.budgets);
  add_cache(out, s.cache);
  for (auto& f : out.take())
    all.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(all);
}

}  // namespace llmopt
