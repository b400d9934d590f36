#include "decision/peer_view.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "decision/model_stats_json.hpp"
#include "decision/outside_json.hpp"

namespace llmopt {
namespace {

constexpr long long max_entries = 4096;

const nlohmann::json& bounded(const nlohmann::json& j, const char* what) {
  if (j.size() > static_cast<std::size_t>(max_entries))
    throw std::invalid_argument(std::string(what) + " past 4096 entries");
  return j;
}

// Counts and times of another instance go into sums and differences here:
// bounded far from where they would overflow.
constexpr long long max_count = 1'000'000'000'000'000LL;  // 1e15
constexpr long long max_time = 1LL << 53;

// An integer in [lo, hi]: a float is refused (converting one past an
// int's range is undefined).
long long integer_from(const nlohmann::json& j, long long lo, long long hi, const char* what) {
  if (!j.is_number_integer()) throw std::invalid_argument(std::string(what) + " not an integer");
  const auto n = j.get<long long>();
  if (n < lo || n > hi)
    throw std::invalid_argument(std::string(what) + " not in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  return n;
}

long long count_from(const nlohmann::json& j) {
  return integer_from(j, 0, max_count, "a count");
}

time_ms time_from(const nlohmann::json& j) {
  return integer_from(j, 0, max_time, "a time");
}

// flags_json's arrays, checked before flags_from reads them.
const nlohmann::json& checked_flags(const nlohmann::json& j) {
  bounded(j, "flags");
  for (const auto& f : j) {
    integer_from(f.at(2), 0, static_cast<long long>(severity::critical), "a flag's level");
    time_from(f.at(4));
    time_from(f.at(5));
  }
  return j;
}

double amount_from(const nlohmann::json& j) {
  const auto x = j.get<double>();
  if (!(x >= 0 && x <= 1e15)) throw std::invalid_argument("an amount not in [0, 1e15]");
  return x;
}

nlohmann::json or_null(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json();
}

std::optional<double> optional_from(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

// The mean of two means, each weighed by its samples.
std::optional<double> weighed(std::optional<double> a, long long na, std::optional<double> b,
                              long long nb) {
  if (!b || nb <= 0) return a;
  if (!a || na <= 0) return b;
  return (*a * static_cast<double>(na) + *b * static_cast<double>(nb)) /
         static_cast<double>(na + nb);
}

// The spread of the union of two samples, from each one's mean and spread.
double pooled_sd(double sd_a, std::optional<double> mean_a, long long na, double sd_b,
                 std::optional<double> mean_b, long long nb) {
  if (nb <= 0 || !mean_b) return sd_a;
  if (na <= 0 || !mean_a) return sd_b;
  const double n = static_cast<double>(na + nb);
  const double mean = (*mean_a * static_cast<double>(na) + *mean_b * static_cast<double>(nb)) / n;
  const double second = (static_cast<double>(na) * (sd_a * sd_a + *mean_a * *mean_a) +
                         static_cast<double>(nb) * (sd_b * sd_b + *mean_b * *mean_b)) /
                        n;
  return std::sqrt(std::max(0.0, second - mean * mean));
}

nlohmann::json evidence_json(const quality_posterior& q) {
  return {q.alpha, q.beta, q.samples};
}

quality_posterior evidence_from(const nlohmann::json& j) {
  auto q = quality_posterior::pseudo(amount_from(j.at(0)), amount_from(j.at(1)));
  q.samples = amount_from(j.at(2));
  return q;
}

// Evidence beyond `prior`, never below none.
quality_posterior evidence_of(const quality_posterior& q, const quality_posterior& prior) {
  auto e = quality_posterior::pseudo(std::max(0.0, q.alpha - prior.alpha),
                                     std::max(0.0, q.beta - prior.beta));
  e.samples = q.samples;
  e.change = q.change;
  return e;
}

void add_evidence(quality_posterior& own, const quality_posterior& peer) {
  own.alpha += peer.alpha;
  own.beta += peer.beta;
  own.samples += peer.samples;
  if (peer.change.at > own.change.at) own.change = peer.change;
}

nlohmann::json change_json(const quality_change& c) {
  return {to_string(c.cause), c.at, c.from, c.to, c.answers};
}

quality_change change_from(const nlohmann::json& j) {
  quality_change c;
  if (auto cause = parse_quality_change_cause(j.at(0).get<std::string>())) c.cause = *cause;
  c.at = time_from(j.at(1));
  c.from = j.at(2).get<double>();
  c.to = j.at(3).get<double>();
  c.answers = j.at(4).get<double>();
  return c;
}

nlohmann::json view_json(const model_view& v) {
  nlohmann::json route_quality = nlohmann::json::object();
  for (const auto& [route, q] : v.route_quality)
    route_quality[route] = evidence_json(q);
  nlohmann::json blocked = nlohmann::json::object();
  for (const auto& [route, hold] : v.blocked_routes)
    blocked[route] = {hold.policy_id, hold.description};
  const auto& l = v.lifetime;
  return {
      {"model", v.model},
      {"latency",
       {v.latency_samples, or_null(v.p50_ms), or_null(v.p95_ms), or_null(v.mean_latency_ms),
        v.latency_sd_ms, v.recent_latency_samples, or_null(v.recent_mean_latency_ms)}},
      {"ttft",
       {v.ttft_samples, or_null(v.mean_ttft_ms), or_null(v.p50_ttft_ms), or_null(v.p95_ttft_ms),
        v.ttft_sd_ms, v.recent_ttft_samples, or_null(v.recent_mean_ttft_ms),
        or_null(v.mean_inter_token_ms), or_null(v.mean_output_tokens_per_s)}},
      {"calls",
       {v.calls, v.errors, v.recent_calls, v.recent_errors, v.failure_streak, v.last_failure_at}},
      {"cost",
       {v.cost_samples, or_null(v.cost_per_request), or_null(v.mean_input_tokens),
        or_null(v.mean_output_tokens)}},
      {"billed", v.last_billed
                     ? nlohmann::json{v.last_billed->cost_usd, v.last_billed->input_tokens,
                                      v.last_billed->output_tokens, v.last_billed->at}
                     : nlohmann::json()},
      {"profile", v.profile ? profile_json(*v.profile) : nlohmann::json()},
      {"profile_at", v.profile_at},
      {"quality", evidence_json(v.quality)},
      {"quality_change", change_json(v.quality.change)},
      {"route_quality", std::move(route_quality)},
      {"anomalies", flags_json(v.anomalies)},
      {"drifts", flags_json(v.drifts)},
      {"blocked_routes", std::move(blocked)},
      {"lifetime",
       {l.signals, l.calls, l.errors, l.priced, l.cost_usd, l.input_tokens, l.output_tokens}}};
}

model_view view_from(const nlohmann::json& j) {
  model_view v;
  v.model = j.at("model").get<std::string>();
  const auto& lat = j.at("latency");
  v.latency_samples = count_from(lat.at(0));
  v.p50_ms = optional_from(lat.at(1));
  v.p95_ms = optional_from(lat.at(2));
  v.mean_latency_ms = optional_from(lat.at(3));
  v.latency_sd_ms = lat.at(4).get<double>();
  v.recent_latency_samples = count_from(lat.at(5));
  v.recent_mean_latency_ms = optional_from(lat.at(6));
  const auto& t = j.at("ttft");
  v.ttft_samples = count_from(t.at(0));
  v.mean_ttft_ms = optional_from(t.at(1));
  v.p50_ttft_ms = optional_from(t.at(2));
  v.p95_ttft_ms = optional_from(t.at(3));
  v.ttft_sd_ms = t.at(4).get<double>();
  v.recent_ttft_samples = count_from(t.at(5));
  v.recent_mean_ttft_ms = optional_from(t.at(6));
  v.mean_inter_token_ms = optional_from(t.at(7));
  v.mean_output_tokens_per_s = optional_from(t.at(8));
  const auto& c = j.at("calls");
  v.calls = count_from(c.at(0));
  v.errors = count_from(c.at(1));
  v.recent_calls = count_from(c.at(2));
  v.recent_errors = count_from(c.at(3));
  v.failure_streak = count_from(c.at(4));
  v.last_failure_at = time_from(c.at(5));
  if (v.errors > v.calls || v.recent_errors > v.recent_calls || v.recent_calls > v.calls)
    throw std::invalid_argument("more errors than calls, or more recent calls than calls");
  const auto& cost = j.at("cost");
  v.cost_samples = count_from(cost.at(0));
  v.cost_per_request = optional_from(cost.at(1));
  v.mean_input_tokens = optional_from(cost.at(2));
  v.mean_output_tokens = optional_from(cost.at(3));
  if (const auto& b = j.at("billed"); !b.is_null())
    v.last_billed = model_view::billed_request{amount_from(b.at(0)), count_from(b.at(1)),
                                               count_from(b.at(2)), time_from(b.at(3))};
  if (const auto& p = j.at("profile"); !p.is_null()) v.profile = profile_from(p);
  v.profile_at = time_from(j.at("profile_at"));
  v.quality = evidence_from(j.at("quality"));
  v.quality.change = change_from(j.at("quality_change"));
  for (const auto& [route, q] : bounded(j.at("route_quality"), "route_quality").items())
    v.route_quality[route] = evidence_from(q);
  v.anomalies = flags_from(checked_flags(j.at("anomalies")), std::nullopt);
  v.drifts = flags_from(checked_flags(j.at("drifts")), std::nullopt);
  for (const auto& [route, hold] : bounded(j.at("blocked_routes"), "blocked_routes").items())
    v.blocked_routes[route] =
        policy_hold{hold.at(0).get<std::string>(), hold.at(1).get<std::string>()};
  const auto& l = j.at("lifetime");
  v.lifetime = {count_from(l.at(0)), count_from(l.at(1)),  count_from(l.at(2)),
                count_from(l.at(3)), amount_from(l.at(4)), amount_from(l.at(5)),
                amount_from(l.at(6))};
  return v;
}

void add_flags(std::vector<active_flag>& own, const std::vector<active_flag>& peer) {
  for (const auto& f : peer)
    if (std::none_of(own.begin(), own.end(), [&](const active_flag& o) { return o.id == f.id; }))
      own.push_back(f);
}

}  // namespace

model_view peer_view_of(const model_view& v, const quality_posterior& prior) {
  model_view p = v;
  p.quality = evidence_of(v.quality, prior);
  for (auto& [route, q] : p.route_quality)
    q = evidence_of(q, prior);
  return p;
}

void add_peer_view(model_view& own, const model_view& peer, const quality_posterior& prior) {
  own.latency_sd_ms = pooled_sd(own.latency_sd_ms, own.mean_latency_ms, own.latency_samples,
                                peer.latency_sd_ms, peer.mean_latency_ms, peer.latency_samples);
  own.p50_ms = weighed(own.p50_ms, own.latency_samples, peer.p50_ms, peer.latency_samples);
  own.p95_ms = weighed(own.p95_ms, own.latency_samples, peer.p95_ms, peer.latency_samples);
  own.mean_latency_ms =
      weighed(own.mean_latency_ms, own.latency_samples, peer.mean_latency_ms, peer.latency_samples);
  own.latency_samples += peer.latency_samples;
  own.recent_mean_latency_ms = weighed(own.recent_mean_latency_ms, own.recent_latency_samples,
                                       peer.recent_mean_latency_ms, peer.recent_latency_samples);
  own.recent_latency_samples += peer.recent_latency_samples;

  own.ttft_sd_ms = pooled_sd(own.ttft_sd_ms, own.mean_ttft_ms, own.ttft_samples, peer.ttft_sd_ms,
                             peer.mean_ttft_ms, peer.ttft_samples);
  own.p50_ttft_ms = weighed(own.p50_ttft_ms, own.ttft_samples, peer.p50_ttft_ms, peer.ttft_samples);
  own.p95_ttft_ms = weighed(own.p95_ttft_ms, own.ttft_samples, peer.p95_ttft_ms, peer.ttft_samples);
  own.mean_inter_token_ms = weighed(own.mean_inter_token_ms, own.ttft_samples,
                                    peer.mean_inter_token_ms, peer.ttft_samples);
  own.mean_output_tokens_per_s = weighed(own.mean_output_tokens_per_s, own.ttft_samples,
                                         peer.mean_output_tokens_per_s, peer.ttft_samples);
  own.mean_ttft_ms =
      weighed(own.mean_ttft_ms, own.ttft_samples, peer.mean_ttft_ms, peer.ttft_samples);
  own.ttft_samples += peer.ttft_samples;
  own.recent_mean_ttft_ms = weighed(own.recent_mean_ttft_ms, own.recent_ttft_samples,
                                    peer.recent_mean_ttft_ms, peer.recent_ttft_samples);
  own.recent_ttft_samples += peer.recent_ttft_samples;

  own.calls += peer.calls;
  own.errors += peer.errors;
  own.recent_calls += peer.recent_calls;
  own.recent_errors += peer.recent_errors;
  // Calls of one model are counted by one instance (its partition of the
  // calls topic): the streak is that instance's.
  own.failure_streak = std::max(own.failure_streak, peer.failure_streak);
  own.last_failure_at = std::max(own.last_failure_at, peer.last_failure_at);

  own.cost_per_request =
      weighed(own.cost_per_request, own.cost_samples, peer.cost_per_request, peer.cost_samples);
  own.mean_input_tokens =
      weighed(own.mean_input_tokens, own.cost_samples, peer.mean_input_tokens, peer.cost_samples);
  own.mean_output_tokens =
      weighed(own.mean_output_tokens, own.cost_samples, peer.mean_output_tokens, peer.cost_samples);
  own.cost_samples += peer.cost_samples;
  if (peer.last_billed && (!own.last_billed || peer.last_billed->at > own.last_billed->at))
    own.last_billed = peer.last_billed;
  if (peer.profile && (!own.profile || peer.profile_at > own.profile_at)) {
    own.profile = peer.profile;
    own.profile_at = peer.profile_at;
  }

  add_evidence(own.quality, peer.quality);
  for (const auto& [route, q] : peer.route_quality) {
    auto it = own.route_quality.find(route);
    if (it == own.route_quality.end()) it = own.route_quality.emplace(route, prior).first;
    add_evidence(it->second, q);
  }
  add_flags(own.anomalies, peer.anomalies);
  add_flags(own.drifts, peer.drifts);
  for (const auto& [route, hold] : peer.blocked_routes)
    own.blocked_routes.emplace(route, hold);

  auto& l = own.lifetime;
  const auto& p = peer.lifetime;
  l.signals += p.signals;
  l.calls += p.calls;
  l.errors += p.errors;
  l.priced += p.priced;
  l.cost_usd += p.cost_usd;
  l.input_tokens += p.input_tokens;
  l.output_tokens += p.output_tokens;
}

std::string report_message(const instance_report& r) {
  auto signals = nlohmann::json::array();
  for (const auto& p : r.signal_partitions)
    signals.push_back({p.topic, p.partition, p.lag ? nlohmann::json(*p.lag) : nlohmann::json()});
  auto models = nlohmann::json::array();
  for (const auto& v : r.models)
    models.push_back(view_json(v));
  nlohmann::json j{{"instance", r.instance},
                   {"at", r.at},
                   {"url", r.url},
                   {"signal_partitions", std::move(signals)},
                   {"decision_partitions", r.decision_partitions},
                   {"decided", r.decided},
                   {"routes", r.routes},
                   {"models", std::move(models)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

result<instance_report> read_report_message(std::string_view text, std::size_t max_bytes) {
  auto j = parse_outside_json(text, max_bytes, 32);
  if (!j) return error{j.err().code, "an instance report: " + j.err().detail};
  instance_report r;
  try {
    r.instance = j->at("instance").get<std::string>();
    r.at = time_from(j->at("at"));
    r.url = j->at("url").get<std::string>();
    for (const auto& p : bounded(j->at("signal_partitions"), "signal_partitions")) {
      instance_report::partition_lag l{
          p.at(0).get<std::string>(),
          static_cast<int>(integer_from(p.at(1), 0, max_entries, "a partition")),
          {}};
      if (!p.at(2).is_null()) l.lag = count_from(p.at(2));
      r.signal_partitions.push_back(std::move(l));
    }
    r.decision_partitions = static_cast<int>(
        integer_from(j->at("decision_partitions"), 0, max_entries, "decision_partitions"));
    for (const auto& p : bounded(j->at("decided"), "decided"))
      r.decided.insert(
          static_cast<int>(integer_from(p, 0, r.decision_partitions - 1, "a decided partition")));
    for (const auto& route : bounded(j->at("routes"), "routes"))
      r.routes.push_back(route.get<std::string>());
    for (const auto& m : bounded(j->at("models"), "models"))
      r.models.push_back(view_from(m));
  } catch (const nlohmann::json::exception& e) {
    return error{"invalid_report", e.what()};
  } catch (const std::invalid_argument& e) {
    return error{"invalid_report", e.what()};
  }
  if (r.instance.empty()) return error{"invalid_report", "instance is empty", "instance"};
  return r;
}

nlohmann::json report_summary(const instance_report& r, time_ms now) {
  auto signals = nlohmann::json::array();
  for (const auto& p : r.signal_partitions)
    signals.push_back({{"topic", p.topic},
                       {"partition", p.partition},
                       {"lag", p.lag ? nlohmann::json(*p.lag) : nlohmann::json()}});
  return {{"instance", r.instance},
          {"url", r.url},
          {"reported_ms_ago", now - r.received},
          {"signal_partitions", std::move(signals)},
          {"decision_partitions", r.decision_partitions},
          {"decides_partitions", r.decided},
          {"decides_routes", r.routes},
          {"models", r.models.size()}};
}

}  // namespace llmopt
