#include "actors/spend_guard.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include <spdlog/spdlog.h>

namespace llmopt {
namespace {

// Retry-After in whole seconds, at least 1.
std::string retry_after(long long ms) {
  return std::to_string(std::max(1LL, (ms + 999) / 1000));
}

}  // namespace

std::string usd_text(double usd) {
  char out[32];
  std::snprintf(out, sizeof out, "%.6f", usd);
  return out;
}

void add_rate_headers(header_list& headers, const std::string& unit, const rate_verdict& v) {
  headers.emplace_back("x-ratelimit-limit-" + unit, std::to_string(v.limit));
  headers.emplace_back("x-ratelimit-remaining-" + unit, std::to_string(v.remaining));
  headers.emplace_back("x-ratelimit-reset-" + unit, reset_duration(v.reset_ms));
}

refusal rate_refusal(const caller& who, const std::string& unit, const rate_verdict& v,
                     long long amount, header_list headers) {
  const std::string per = unit == "requests" ? "requests per min (RPM)" : "tokens per min (TPM)";
  refusal r;
  r.headers = std::move(headers);
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

refusal budget_refusal(const budget_scope& b, double spent, double reserved, double needed,
                       header_list headers) {
  refusal r;
  r.error = {429, "insufficient_quota", "insufficient_quota",
             "The " + std::string(to_string(b.period)) + " budget of " + b.owner + " ($" +
                 usd_text(b.limit_usd) + ") cannot cover this request: $" + usd_text(spent) +
                 " spent, $" + usd_text(reserved) + " held by requests in flight, $" +
                 usd_text(needed) + " needed",
             ""};
  r.headers = std::move(headers);
  return r;
}

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
    s.account.restart(spent_at_start(scope, start));
    s.period_start = start;
    s.soft_logged = false;
  }
  s.account.set_limit(limit);
  return s;
}

double spend_guard::spent_at_start(const std::string& scope, long long period_start_ms) const {
  double spent = 0;
  const auto colon = scope.find(':');
  const auto& by =
      scope.compare(0, colon, "key") == 0 ? spent_at_start_.by_key : spent_at_start_.by_route;
  if (auto it = by.find(scope.substr(colon + 1)); it != by.end())
    for (const auto& [day, usd] : it->second)
      if (day >= period_start_ms) spent += usd;
  return spent;
}

std::vector<budget_scope> spend_guard::budgets_of(const caller& who,
                                                  const std::string& route) const {
  std::vector<budget_scope> budgets;
  if (!who.key_id.empty() && who.policy.budget_usd)
    budgets.push_back({"key:" + who.key_id, "key:" + who.ledger_id, *who.policy.budget_usd,
                       who.policy.period, "key " + who.key_name});
  if (auto it = options_.route_budgets.find(route); it != options_.route_budgets.end())
    budgets.push_back(
        {"route:" + route, "route:" + route, it->second.usd, it->second.period, "route " + route});
  return budgets;
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
  for (const auto& [unit, limiter, amount] :
       {std::tuple<std::string, rate_limiter*, long long>{"requests",
                                                          l.requests ? &*l.requests : nullptr, 1},
        {"tokens", l.tokens ? &*l.tokens : nullptr, estimate.tokens}}) {
    if (!limiter) continue;
    auto v = limiter->take(now_ms, amount);
    add_rate_headers(a.headers, unit, v);
    if (!v.allowed) return rate_refusal(who, unit, v, amount, a.headers);
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

  const auto budgets = budgets_of(who, route);
  std::vector<account_state*> taken;
  for (const auto& b : budgets) {
    auto& s = account(b.scope, b.limit_usd, b.period, now_ms);
    if (!s.account.reserve(estimate.usd)) {
      for (auto* t : taken)
        t->account.settle(estimate.usd, 0);
      return budget_refusal(b, s.account.spent(), s.account.reserved(), estimate.usd, a.headers);
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
                     to_string(b.period), b.owner, std::lround(options_.soft_fraction * 100),
                     usd_text(b.limit_usd));
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

void spend_guard::settle(const admission& a, std::vector<spend_entry> billed, long long now_ms) {
  double usd = 0;
  for (const auto& e : billed)
    usd += e.usd;
  // A reservation outlives the end of its period; the cost counts in the
  // period the request ends in.
  for (const auto& scope : a.reservations)
    if (auto it = accounts_.find(scope); it != accounts_.end())
      it->second.account.settle(a.reserved_usd, usd);
  if (!a.shared_reservation.empty())
    for (const auto& b : a.shared_budgets)
      account(b.scope, b.limit_usd, b.period, now_ms).account.charge(usd);
  if (!billed.empty()) record_(std::move(billed));
}

}  // namespace llmopt
