#include "actors/shared_ledger.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "actors/gateway_metrics.hpp"
#include "actors/wall_clock.hpp"

namespace llmopt {
namespace {

constexpr long long day_ms = 86'400'000;
// How long a reservation of a request without a deadline holds, and the
// margin past a request's deadline before its reservation lapses (its
// settlement may be on its way).
constexpr long long hold_without_deadline_ms = 15 * 60'000;
constexpr long long hold_margin_ms = 60'000;
constexpr long long report_every_ms = 10'000;

std::string random_nonce() {
  std::random_device device;
  char out[17];
  std::snprintf(out, sizeof out, "%08x%08x", device(), device());
  return out;
}

// A budget's Redis keys outlive its period by a day, for the settlements
// of requests that were in flight when it ended.
long long expiry_of(budget_period period, long long start_ms) {
  const long long next = period == budget_period::day
                             ? start_ms + day_ms
                             : period_start_ms(budget_period::month, start_ms + 32 * day_ms);
  return next + day_ms;
}

}  // namespace

// One admission waiting for Redis.
struct shared_ledger::pending {
  caller who;
  std::string route;
  spend_estimate estimate;
  std::string reservation_id;
  long long now_ms = 0;
  std::vector<budget_scope> budgets;
  std::vector<std::string> limit_units;  // "requests", "tokens": of request.limits, in order
  std::vector<long long> limit_amounts;
  verdict_handler done;
};

shared_ledger::shared_ledger(options o, spend_guard& local, curl_loop& loop,
                             gateway_metrics* metrics)
    : options_(std::move(o)),
      local_(local),
      loop_(loop),
      metrics_(metrics),
      redis_(std::make_unique<redis_ledger>(redis_ledger::options{options_.address})),
      instance_nonce_(random_nonce()) {}

void shared_ledger::stop() {
  redis_->stop();
}

shared_budget shared_ledger::in_redis(const budget_scope& b, long long now_ms) const {
  const long long start = period_start_ms(b.period, now_ms);
  return {b.shared_scope, start, expiry_of(b.period, start), b.limit_usd,
          local_.spent_at_start(b.scope, start)};
}

void shared_ledger::admit(const caller& who, const std::string& route,
                          const spend_estimate& estimate, long long now_ms, long long time_limit_ms,
                          verdict_handler done) {
  auto p = std::make_shared<pending>();
  p->who = who;
  p->route = route;
  p->estimate = estimate;
  p->now_ms = now_ms;
  p->budgets = local_.budgets_of(who, route);
  p->done = std::move(done);
  ledger_request request;
  const auto kind = local_.options().limit_kind;
  if (!who.key_id.empty()) {
    if (who.policy.rpm) {
      request.limits.push_back({who.ledger_id + ":requests", kind, *who.policy.rpm, 1});
      p->limit_units.push_back("requests");
      p->limit_amounts.push_back(1);
    }
    if (who.policy.tpm) {
      request.limits.push_back({who.ledger_id + ":tokens", kind, *who.policy.tpm, estimate.tokens});
      p->limit_units.push_back("tokens");
      p->limit_amounts.push_back(estimate.tokens);
    }
  }
  // Nothing to count: nothing to share.
  if (request.limits.empty() && p->budgets.empty())
    return p->done(local_.admit(who, route, estimate, now_ms));
  p->reservation_id = instance_nonce_ + ":" + std::to_string(++reservations_);
  request.reservation_id = p->reservation_id;
  request.now_ms = now_ms;
  request.hold_until_ms =
      now_ms + (time_limit_ms > 0 ? time_limit_ms : hold_without_deadline_ms) + hold_margin_ms;
  request.usd = estimate.usd;
  for (const auto& b : p->budgets)
    request.budgets.push_back(in_redis(b, now_ms));
  auto* loop = &loop_;
  redis_->admit(std::move(request), [this, loop, p](std::optional<ledger_verdict> verdict) {
    loop->post([this, p, verdict = std::move(verdict)] { decided(*p, verdict); });
  });
}

void shared_ledger::decided(const pending& p, std::optional<ledger_verdict> verdict) {
  if (!verdict) {
    fell_back();
    auto local = local_.admit(p.who, p.route, p.estimate, wall_clock_ms());
    // Its cost counts in Redis too when it settles.
    if (auto* a = std::get_if<admission>(&local)) a->shared_budgets = p.budgets;
    return p.done(std::move(local));
  }
  const auto& v = *verdict;
  header_list headers;
  for (std::size_t i = 0; i < v.limits.size(); ++i)
    add_rate_headers(headers, p.limit_units[i], v.limits[i]);
  for (std::size_t i = 0; i < v.budgets.size(); ++i) {
    auto& seen = seen_[p.budgets[i].scope];
    const long long start = period_start_ms(p.budgets[i].period, p.now_ms);
    if (seen.period_start_ms != start) seen = seen_budget{start, {}, false};
    seen.figures = v.budgets[i];
  }
  switch (v.result) {
    case ledger_verdict::outcome::rate_limited:
      return p.done(rate_refusal(p.who, p.limit_units[v.refused], v.limits[v.refused],
                                 p.limit_amounts[v.refused], std::move(headers)));
    case ledger_verdict::outcome::over_budget: {
      const auto& f = v.budgets[v.refused];
      return p.done(budget_refusal(p.budgets[v.refused], f.spent_usd, f.reserved_usd,
                                   p.estimate.usd, std::move(headers)));
    }
    case ledger_verdict::outcome::admitted:
      break;
  }
  admission a;
  a.key_id = p.who.key_id;
  a.route = p.route;
  a.reserved_usd = p.estimate.usd;
  a.shared_reservation = p.reservation_id;
  a.reserved_at_ms = p.now_ms;
  a.shared_budgets = p.budgets;
  a.headers = std::move(headers);
  const double soft_fraction = local_.options().soft_fraction;
  for (std::size_t i = 0; i < v.budgets.size(); ++i) {
    const auto& f = v.budgets[i];
    const auto& b = p.budgets[i];
    a.headers.emplace_back("x-llmopt-budget-remaining-usd",
                           usd_text(f.limit_usd - f.spent_usd - f.reserved_usd));
    if (f.spent_usd + f.reserved_usd < f.limit_usd * soft_fraction) continue;
    a.past_soft_limit = true;
    a.headers.emplace_back("x-llmopt-budget", "soft-limit");
    auto& seen = seen_[b.scope];
    if (seen.soft_logged) continue;
    seen.soft_logged = true;
    spdlog::warn(
        "budget: the {} budget of {} is past its soft limit ({}% of ${}, on every "
        "instance)",
        to_string(b.period), b.owner, std::lround(soft_fraction * 100), usd_text(b.limit_usd));
  }
  p.done(std::move(a));
}

void shared_ledger::fell_back() {
  if (metrics_) metrics_->ledger_fallback();
  ++unreported_fallbacks_;
  report();
}

// Counts the settlements lost since the last call, and warns of them and
// of the requests decided alone: at once the first time, then at most
// every 10 s.
void shared_ledger::report() {
  const unsigned long long lost = redis_->lost_settlements();
  if (lost > lost_counted_ && metrics_) metrics_->ledger_settlements_lost(lost - lost_counted_);
  lost_counted_ = lost;
  if (!unreported_fallbacks_ && lost == lost_reported_) return;
  const long long now = steady_clock_ms();
  if (last_report_ms_ >= 0 && now - last_report_ms_ < report_every_ms) return;
  spdlog::warn(
      "shared ledger: Redis at {}:{} did not answer within {} ms; since the last report {} "
      "request(s) were decided by this instance's own budgets and limits, and {} cost(s) did "
      "not reach Redis",
      options_.address.host, options_.address.port, options_.address.timeout_ms,
      unreported_fallbacks_, lost - lost_reported_);
  unreported_fallbacks_ = 0;
  lost_reported_ = lost;
  last_report_ms_ = now;
}

void shared_ledger::settle(const admission& a, std::vector<spend_entry> billed, long long now_ms) {
  if (!a.shared_budgets.empty()) {
    ledger_settlement s;
    s.reservation_id = a.shared_reservation;
    s.now_ms = now_ms;
    for (const auto& e : billed)
      s.billed_usd += e.usd;
    for (const auto& b : a.shared_budgets) {
      s.reserved_in.push_back(period_start_ms(b.period, a.reserved_at_ms));
      s.budgets.push_back(in_redis(b, now_ms));
    }
    redis_->settle(std::move(s));
    report();
  }
  local_.settle(a, std::move(billed), now_ms);
}

nlohmann::json shared_ledger::budgets_json() const {
  auto out = nlohmann::json::array();
  for (const auto& [scope, s] : seen_) {
    const auto& f = s.figures;
    out.push_back({{"scope", scope},
                   {"period_start_ms", s.period_start_ms},
                   {"limit_usd", f.limit_usd},
                   {"spent_usd", f.spent_usd},
                   {"reserved_usd", f.reserved_usd},
                   {"remaining_usd", f.limit_usd - f.spent_usd - f.reserved_usd},
                   {"past_soft_limit",
                    f.spent_usd + f.reserved_usd >= f.limit_usd * local_.options().soft_fraction},
                   {"shared", true}});
  }
  for (auto local : local_.budgets_json())
    if (!seen_.count(local.value("scope", ""))) {
      local["shared"] = false;
      out.push_back(std::move(local));
    }
  return out;
}

}  // namespace llmopt
