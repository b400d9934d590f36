#include "actors/upstream_guard.hpp"

#include <limits>

namespace llmopt {
namespace {
constexpr long long until_probe_returns = std::numeric_limits<long long>::max();
}

std::string to_string(upstream_guard::skip s) {
  switch (s) {
    case upstream_guard::skip::none:
      return "none";
    case upstream_guard::skip::breaker_open:
      return "breaker_open";
    case upstream_guard::skip::provider_paused:
      return "provider_paused";
    case upstream_guard::skip::provider_limit:
      return "provider_limit";
  }
  return "none";
}

upstream_guard::upstream_guard(upstream_guard_options options)
    : options_(std::move(options)), budget_(options_.retry_budget) {
  for (const auto& [name, configured] : options_.limits)
    limits_.emplace(name, provider_limit(configured));
}

void upstream_guard::reconfigure(upstream_guard_options options) {
  options_ = std::move(options);
  for (auto& [model, b] : breakers_)
    b.set_options(options_.breaker);
  budget_.set_options(options_.retry_budget);
  for (auto& [name, l] : limits_) {
    auto configured = options_.limits.find(name);
    l.set_limits(configured == options_.limits.end() ? provider_limits{} : configured->second);
  }
  for (const auto& [name, configured] : options_.limits)
    limits_.try_emplace(name, provider_limit(configured));
}

circuit_breaker& upstream_guard::breaker(const model_key& model) {
  auto it = breakers_.find(model);
  if (it == breakers_.end()) it = breakers_.emplace(model, circuit_breaker(options_.breaker)).first;
  return it->second;
}

provider_limit& upstream_guard::limit(const std::string& provider) {
  auto it = limits_.find(provider);
  if (it != limits_.end()) return it->second;
  return limits_.emplace(provider, provider_limit()).first->second;  // not configured: no limit
}

upstream_guard::verdict upstream_guard::check(const model_key& model, long long tokens,
                                              long long now_ms) const {
  if (auto b = breakers_.find(model); b != breakers_.end() && !b->second.available(now_ms))
    return {skip::breaker_open, b->second.current() == circuit_breaker::state::open
                                    ? b->second.next_probe_ms()
                                    : now_ms};
  auto l = limits_.find(std::string(provider_of(model)));
  if (l == limits_.end()) return {};  // no limits configured, never paused
  switch (l->second.check(now_ms, tokens)) {
    case provider_limit::refusal::none:
      return {};
    case provider_limit::refusal::paused:
      return {skip::provider_paused, l->second.available_at(now_ms, tokens)};
    default:
      return {skip::provider_limit, l->second.available_at(now_ms, tokens)};
  }
}

void upstream_guard::started(const model_key& model, long long tokens, long long now_ms) {
  auto& b = breaker(model);
  const auto before = b.current();
  b.acquire(now_ms);
  limit(std::string(provider_of(model))).started(now_ms, tokens);
  after_breaker_event(model, before);
}

void upstream_guard::finished(const model_key& model, const upstream_reply& reply,
                              bool cut_by_deadline, long long now_ms) {
  auto& provider = limit(std::string(provider_of(model)));
  provider.finished();
  const bool paused = reply.http_status == 429 && reply.wait_ms && *reply.wait_ms > 0;
  if (paused) provider.pause_until(now_ms + *reply.wait_ms);
  auto& b = breaker(model);
  const auto before = b.current();
  if (cut_by_deadline)
    b.release();
  else if (reply.outcome == outcome_class::ok)
    b.record_success(now_ms);
  else if (reply.outcome == outcome_class::model_failure)
    b.record_failure(now_ms);
  else
    b.release();
  after_breaker_event(model, before);
  if (paused) publish();
}

void upstream_guard::after_breaker_event(const model_key& model, circuit_breaker::state before) {
  const auto& b = breakers_.at(model);
  if (b.current() == before) return;
  publish();
  if (listener_) listener_(model, b.current(), b.next_probe_ms());
}

void upstream_guard::publish() {
  held_models held;
  for (const auto& [model, b] : breakers_) {
    if (b.current() == circuit_breaker::state::open) held[model] = b.next_probe_ms();
    if (b.current() == circuit_breaker::state::half_open) held[model] = until_probe_returns;
  }
  // A paused provider holds back each of its models the breakers know of.
  for (const auto& [model, b] : breakers_) {
    auto l = limits_.find(std::string(provider_of(model)));
    if (l == limits_.end() || l->second.paused_until() == 0) continue;
    auto& until = held[model];
    until = std::max(until, l->second.paused_until());
  }
  std::atomic_store(&held_, std::make_shared<const held_models>(std::move(held)));
}

nlohmann::json upstream_guard::breakers_json(long long now_ms, long long wall_offset_ms) const {
  auto out = nlohmann::json::array();
  auto wall = [wall_offset_ms](long long steady_ms) -> nlohmann::json {
    if (steady_ms == 0) return nullptr;
    return steady_ms + wall_offset_ms;
  };
  for (const auto& [model, b] : breakers_)
    out.push_back({{"model", model},
                   {"state", to_string(b.current())},
                   {"consecutive_failures", b.consecutive_failures()},
                   {"opened_at_ms", wall(b.opened_at_ms())},
                   {"next_probe_ms", wall(b.next_probe_ms())},
                   {"available", b.available(now_ms)}});
  return out;
}

nlohmann::json upstream_guard::providers_json(long long now_ms, long long wall_offset_ms) const {
  auto out = nlohmann::json::object();
  auto limits_of = [&](const std::string& name, const provider_limit& l) {
    const auto& configured = l.limits();
    const bool paused = l.paused_until() > now_ms;
    out[name] = {{"rpm", configured.rpm},
                 {"tpm", configured.tpm},
                 {"max_concurrent", configured.max_concurrent},
                 {"in_flight", l.in_flight()},
                 {"calls_last_minute", l.calls_last_minute(now_ms)},
                 {"tokens_last_minute", l.tokens_last_minute(now_ms)},
                 {"paused", paused},
                 {"paused_until_ms",
                  paused ? nlohmann::json(l.paused_until() + wall_offset_ms) : nlohmann::json()}};
  };
  for (const auto& [name, l] : limits_)
    limits_of(name, l);
  return out;
}

}  // namespace llmopt
