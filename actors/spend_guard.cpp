#include "actors/spend_guard.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include <spdlog/spdlog.h>

namespace llmopt {
namespace {

std::string usd_text(double usd) {
  char out[32];
  std::snprintf(out, sizeof out, "%.6f", usd);
  return out;
}

// Retry-After in whole seconds, at least 1.
std::string retry_after(long long ms) {
  return std::to_string(std::max(1LL, (ms + 999) / 1000));
}

}  // namespace

std::string reset_duration(long long ms) {
  ms = std::max(ms, 0LL);
  if (ms < 1000) return std::to_string(ms) + "ms";
  const long long s = (ms + 999) / 1000;
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

spend_guard::spend_guard(spend_guard_options options, const spend_totals& spent, recorder record)
    : options_(std::move(options)), spent_at_start_(spent), record_(std::move(record)) {}

void spend_guard::reconfigure(spend_guard_options options) {
  if (options.limit_kind != options_.limit_kind) limits_.clear();
  options_ = std::move(options);
}

spend_guard::account_state& spend_guard::account(const std::string& scope, double limit,
                                                 budget_period period, long long now_ms) {
  auto& s = accounts_.try_emplace(scope, account_state{-1, {limit, options_.soft_fraction}})
                .first->second;
  const long long start = period_start_ms(period, now_ms);
  if (s.period_start != start) {
    // The first request of this period since the start: what the ledger
    // held of it then counts. Requests in flight keep their reservations.
    double spent = 0;
    const auto colon = scope.find(':');
    const auto& by =
        scope.compare(0, colon, "key") == 0 ? spent_at_start_.by_key : spent_at_start_.by_route;
    if (auto it = by.find(scope.substr(colon + 1)); it != by.end())
      for (const auto& [day, usd] : it->second)
        if (day >= start) spent += usd;
    s.account.restart(spent);
    s.period_start = start;
    s.soft_logged = false;
  }
  s.account.set_limit(limit);
  return s;
}

std::optional<refusal> spend_guard::check_limits(const caller& who, const spend_estimate& estimate,
                                                 long long now_ms, admission& a) {
  const auto& p = who.policy;
  if (who.key_id.empty() || (!p.rpm && !p.tpm)) return std::nullopt;
  auto& l = limits_[who.key_id];
  if (p.rpm && (!l.requests || l.requests->limit() != *p.rpm))
    l.requests.emplace(options_.limit_kind, *p.rpm);
  if (p.tpm && (!l.tokens || l.tokens->limit() != *p.tpm))
    l.tokens.emplace(options_.limit_kind, *p.tpm);
  auto limited = [&](const char* what, rate_limiter& limiter, long long amount) {
    auto v = limiter.take(now_ms, amount);
    const std::string unit = what;
    a.headers.emplace_back("x-ratelimit-limit-" + unit, std::to_string(v.limit));
    a.headers.emplace_back("x-ratelimit-remaining-" + unit, std::to_string(v.remaining));
    a.headers.emplace_back("x-ratelimit-reset-" + unit, reset_duration(v.reset_ms));
    return v;
  };
  for (const auto& [unit, per, limiter, amount] :
       {std::tuple<const char*, std::string, rate_limiter*, long long>{
            "requests", "requests per min (RPM)", l.requests ? &*l.requests : nullptr, 1},
        {"tokens", "tokens per min (TPM)", l.tokens ? &*l.tokens : nullptr, estimate.tokens}}) {
    if (!limiter) continue;
    auto v = limited(unit, *limiter, amount);
    if (v.allowed) continue;
    refusal r;
    r.headers = a.headers;
    if (v.retry_after_ms < 0) {
      r.error = {429, "tokens", "rate_limit_exceeded",
                 "Request too large for key " + who.key_name + " on " + per + ": Limit " +
                     std::to_string(v.limit) + ", Requested " + std::to_string(amount),
                 ""};
      return r;
    }
    r.error = {429, unit, "rate_limit_exceeded",
               "Rate limit reached for key " + who.key_name + " on " + per + ": Limit " +
                   std::to_string(v.limit) + ", Requested " + std::to_string(amount) +
                   ". Please try again in " + reset_duration(v.retry_after_ms) + ".",
               ""};
    r.headers.emplace_back("retry-after", retry_after(v.retry_after_ms));
    return r;
  }
  return std::nullopt;
}

std::variant<admission, refusal> spend_guard::admit(const caller& who, const std::string& route,
                                                    const spend_estimate& estimate,
                                                    long long now_ms) {
  admission a;
  a.key_id = who.key_id;
  a.route = route;
  if (auto refused = check_limits(who, estimate, now_ms, a)) return *refused;

  struct wanted {
    std::string scope;
    double limit;
    budget_period period;
    std::string who;  // for messages
  };
  std::vector<wanted> budgets;
  if (!who.key_id.empty() && who.policy.budget_usd)
    budgets.push_back(
        {"key:" + who.key_id, *who.policy.budget_usd, who.policy.period, "key " + who.key_name});
  if (auto it = options_.route_budgets.find(route); it != options_.route_budgets.end())
    budgets.push_back({"route:" + route, it->second.usd, it->second.period, "route " + route});

  std::vector<account_state*> taken;
  for (const auto& b : budgets) {
    auto& s = account(b.scope, b.limit, b.period, now_ms);
    if (!s.account.reserve(estimate.usd)) {
      for (auto* t : taken)
        t->account.settle(estimate.usd, 0);
      refusal r;
      r.error = {429, "insufficient_quota", "insufficient_quota",
                 "The " + std::string(to_string(b.period)) + " budget of " + b.who + " ($" +
                     usd_text(b.limit) + ") cannot cover this request: $" +
                     usd_text(s.account.spent()) + " spent, $" + usd_text(s.account.reserved()) +
                     " held by requests in flight, $" + usd_text(estimate.usd) + " needed",
                 ""};
      r.headers = a.headers;
      return r;
    }
    taken.push_back(&s);
    a.reservations.push_back(b.scope);
    a.headers.emplace_back("x-llmopt-budget-remaining-usd", usd_text(s.account.remaining()));
    if (s.account.past_soft_limit()) {
      a.past_soft_limit = true;
      a.headers.emplace_back("x-llmopt-budget", "soft-limit");
      if (!s.soft_logged) {
        s.soft_logged = true;
        spdlog::warn("budget: the {} budget of {} is past its soft limit ({}% of ${})",
                     to_string(b.period), b.who, std::lround(options_.soft_fraction * 100),
                     usd_text(b.limit));
      }
    }
  }
  a.reserved_usd = estimate.usd;
  return a;
}

nlohmann::json spend_guard::budgets_json() const {
  auto out = nlohmann::json::array();
  for (const auto& [scope, s] : accounts_)
    out.push_back({{"scope", scope},
                   {"period_start_ms", s.period_start},
                   {"limit_usd", s.account.limit()},
                   {"spent_usd", s.account.spent()},
                   {"reserved_usd", s.account.reserved()},
                   {"remaining_usd", s.account.remaining()},
                   {"past_soft_limit", s.account.past_soft_limit()}});
  return out;
}

void spend_guard::settle(const admission& a, std::vector<spend_entry> billed) {
  double usd = 0;
  for (const auto& e : billed)
    usd += e.usd;
  // A reservation outlives the end of its period; the cost counts in the
  // period the request ends in.
  for (const auto& scope : a.reservations)
    if (auto it = accounts_.find(scope); it != accounts_.end())
      it->second.account.settle(a.reserved_usd, usd);
  if (!billed.empty()) record_(std::move(billed));
}

}  // namespace llmopt
