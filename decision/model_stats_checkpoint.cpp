// model_stats::save and restore: one model's whole state as JSON, for the
// checkpoints that carry the aggregates across restarts.

#include <optional>

#include <nlohmann/json.hpp>

#include "decision/model_stats.hpp"
#include "decision/model_stats_json.hpp"

namespace llmopt {
namespace {

nlohmann::json watch_side_json(const quality_watch::side& s) {
  return nlohmann::json::array({s.llr, s.good, s.answers});
}

quality_watch::side watch_side_from(const nlohmann::json& j) {
  return {j.at(0).get<double>(), j.at(1).get<double>(), j.at(2).get<double>()};
}

nlohmann::json spans_json(const feedback_by_time& recent) {
  auto spans = nlohmann::json::array();
  for (const auto& s : recent.spans)
    spans.push_back({s.from, s.good, s.answers});
  return spans;
}

nlohmann::json posterior_json(const quality_posterior& q) {
  const quality_change& c = q.change;
  return nlohmann::json::array({q.alpha,
                                q.beta,
                                q.samples,
                                q.at,
                                watch_side_json(q.watch.down),
                                watch_side_json(q.watch.up),
                                {to_string(c.cause), c.at, c.from, c.to, c.answers},
                                spans_json(q.recent)});
}

// A span as saved, if it is one this version could have written: a time
// within the years 0 to 9999 (epoch ms), finite feedback within its answers.
std::optional<feedback_by_time::span> span_from(const nlohmann::json& s) {
  constexpr double latest_ms = 253'402'300'800'000.0;  // 10000-01-01
  const double from = s.at(0).get<double>();
  const double good = s.at(1).get<double>();
  const double answers = s.at(2).get<double>();
  if (!(from >= 0 && from < latest_ms) || !(answers >= 0 && answers < 1e15) ||
      !(good >= 0 && good <= answers))
    return std::nullopt;
  return feedback_by_time::span{static_cast<time_ms>(from), good, answers};
}

quality_posterior posterior_from(const nlohmann::json& j) {
  // Checkpoints written before evidence faded have no time: it starts fading
  // from the first use after the restore. Those written before the watch
  // start it afresh, and with no feedback by time.
  auto q = quality_posterior::pseudo(j.at(0).get<double>(), j.at(1).get<double>());
  q.samples = j.at(2).get<double>();
  q.at = j.size() > 3 ? j.at(3).get<time_ms>() : 0;
  if (j.size() > 6) {
    q.watch.down = watch_side_from(j.at(4));
    q.watch.up = watch_side_from(j.at(5));
    const auto& c = j.at(6);
    // A cause this version does not know (a newer one's) reads as none.
    if (auto cause = parse_quality_change_cause(c.at(0).get<std::string>()))
      q.change = {*cause, c.at(1).get<time_ms>(), c.at(2).get<double>(), c.at(3).get<double>(),
                  c.at(4).get<double>()};
  }
  if (j.size() > 7)
    for (const auto& s : j.at(7))
      if (auto span = span_from(s)) q.recent.spans.push_back(*span);
  while (q.recent.spans.size() > feedback_by_time::max_spans)
    q.recent.spans.pop_front();
  return q;
}

}  // namespace

nlohmann::json flags_json(const std::vector<active_flag>& flags) {
  auto out = nlohmann::json::array();
  for (const auto& f : flags)
    out.push_back({f.id, to_string(f.type), static_cast<int>(f.level), f.magnitude, f.since,
                   f.until, f.description});
  return out;
}

// A flag of a type this version does not know (a newer one's) reads as
// `unknown`, or is left out without one.
std::vector<active_flag> flags_from(const nlohmann::json& j, std::optional<flag_type> unknown) {
  std::vector<active_flag> out;
  for (const auto& f : j)
    if (auto type = parse_flag_type(f.at(1).get<std::string>()); type || (type = unknown))
      out.push_back({f.at(0).get<std::string>(), *type, static_cast<severity>(f.at(2).get<int>()),
                     f.at(3).get<double>(), f.at(4).get<time_ms>(), f.at(5).get<time_ms>(),
                     f.at(6).get<std::string>()});
  return out;
}

nlohmann::json profile_json(const latency_profile& p) {
  return {p.p50_ms,
          p.p90_ms,
          p.p95_ms,
          p.p99_ms,
          p.mean_ms,
          p.std_dev_ms,
          p.sample_count,
          p.ttft_ms ? nlohmann::json(*p.ttft_ms) : nlohmann::json(),
          p.tokens_per_second ? nlohmann::json(*p.tokens_per_second) : nlohmann::json()};
}

latency_profile profile_from(const nlohmann::json& j) {
  latency_profile p;
  p.p50_ms = j.at(0).get<double>();
  p.p90_ms = j.at(1).get<double>();
  p.p95_ms = j.at(2).get<double>();
  p.p99_ms = j.at(3).get<double>();
  p.mean_ms = j.at(4).get<double>();
  p.std_dev_ms = j.at(5).get<double>();
  p.sample_count = j.at(6).get<long long>();
  if (!j.at(7).is_null()) p.ttft_ms = j.at(7).get<double>();
  if (!j.at(8).is_null()) p.tokens_per_second = j.at(8).get<double>();
  return p;
}

void model_stats::save(nlohmann::json& out) const {
  const auto& b = base_;
  const auto& l = b.lifetime;
  out = {{"model", b.model},
         {"quality", posterior_json(b.quality)},
         {"anomalies", flags_json(b.anomalies)},
         {"drifts", flags_json(b.drifts)},
         {"lifetime",
          {l.signals, l.calls, l.errors, l.priced, l.cost_usd, l.input_tokens, l.output_tokens}}};
  auto& routes = out["route_quality"] = nlohmann::json::object();
  for (const auto& [route, q] : b.route_quality)
    routes[route] = posterior_json(q);
  auto& blocked = out["blocked"] = nlohmann::json::object();
  for (const auto& [route, hold] : b.blocked_routes)
    blocked[route] = {hold.policy_id, hold.description};
  if (b.profile) out["profile"] = {profile_json(*b.profile), b.profile_at};
  out["failure_streak"] = {b.failure_streak, b.last_failure_at};
  if (const auto& c = b.last_billed)
    out["last_billed"] = {c->cost_usd, c->input_tokens, c->output_tokens, c->at};
  window_.save(out["window"]);
}

status model_stats::restore(const nlohmann::json& in) {
  try {
    auto& b = base_;
    b.quality = posterior_from(in.at("quality"));
    // An anomaly's level still counts; a drift acts by its type alone.
    b.anomalies = flags_from(in.at("anomalies"), flag_type{anomaly_type::custom});
    b.drifts = flags_from(in.at("drifts"), std::nullopt);
    const auto& l = in.at("lifetime");
    b.lifetime = {l.at(0).get<long long>(), l.at(1).get<long long>(), l.at(2).get<long long>(),
                  l.at(3).get<long long>(), l.at(4).get<double>(),    l.at(5).get<double>(),
                  l.at(6).get<double>()};
    b.route_quality.clear();
    for (const auto& [route, q] : in.at("route_quality").items())
      b.route_quality[route] = posterior_from(q);
    b.blocked_routes.clear();
    for (const auto& [route, hold] : in.at("blocked").items())
      b.blocked_routes[route] = {hold.at(0).get<std::string>(), hold.at(1).get<std::string>()};
    if (auto p = in.find("profile"); p != in.end()) {
      b.profile = profile_from(p->at(0));
      b.profile_at = p->at(1).get<time_ms>();
    }
    b.failure_streak = 0;
    b.last_failure_at = 0;
    if (auto f = in.find("failure_streak"); f != in.end()) {
      b.failure_streak = f->at(0).get<long long>();
      b.last_failure_at = f->at(1).get<time_ms>();
    }
    b.last_billed.reset();
    if (auto c = in.find("last_billed"); c != in.end())
      b.last_billed =
          model_view::billed_request{c->at(0).get<double>(), c->at(1).get<long long>(),
                                     c->at(2).get<long long>(), c->at(3).get<time_ms>()};
    return window_.restore(in.at("window"));
  } catch (const nlohmann::json::exception& e) {
    return error{"bad_checkpoint", "model " + base_.model + ": " + e.what()};
  }
}

}  // namespace llmopt
