#pragma once

#include <string>

namespace llmopt {

// The calendar period a budget counts over, in UTC.
enum class budget_period { day, month };

// Unix milliseconds of the start of the UTC day or month holding `now_ms`.
long long period_start_ms(budget_period period, long long now_ms);

// "day" / "month"; parse_budget_period returns false for anything else.
const char* to_string(budget_period period);
bool parse_budget_period(const std::string& text, budget_period& out);

// One budget in USD over one period, with what is spent and what requests
// in flight have reserved. Pure.
//
// The rule that bounds overspending under concurrency: a request is
// admitted only if spent + reserved + its own reservation fits the limit,
// and its reservation is an upper estimate of its cost (prompt tokens plus
// max_tokens at the dearest candidate's price). Concurrent requests then
// cannot together pass the limit; only a request whose real cost exceeds
// its estimate can, by at most that excess.
class budget_account {
 public:
  budget_account(double limit_usd, double soft_fraction)
      : limit_(limit_usd), soft_fraction_(soft_fraction) {}

  // Reserves `usd` if it fits; false (nothing reserved) when it does not.
  bool reserve(double usd);
  // Replaces a reservation of `reserved` by what was billed.
  void settle(double reserved, double billed);
  // Counts what was billed for a request reserved elsewhere (another
  // instance's view of the same budget, the shared ledger).
  void charge(double billed);
  // A new period: `spent` so far (reservations in flight stay).
  void restart(double spent = 0) { spent_ = spent; }
  void set_limit(double limit_usd) { limit_ = limit_usd; }

  double limit() const { return limit_; }
  double spent() const { return spent_; }
  double reserved() const { return reserved_; }
  double remaining() const { return limit_ - spent_ - reserved_; }
  // Spent at least the soft fraction of the limit.
  bool past_soft_limit() const { return spent_ + reserved_ >= limit_ * soft_fraction_; }

 private:
  double limit_;
  double soft_fraction_;
  double spent_ = 0;
  double reserved_ = 0;
  long long holding_ = 0;  // reservations not yet settled
};

}  // namespace llmopt
