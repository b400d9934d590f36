#include "decision/budget.hpp"

#include <algorithm>

namespace llmopt {

long long period_start_ms(budget_period period, long long now_ms) {
  constexpr long long day_ms = 86'400'000;
  long long days = now_ms / day_ms;  // since 1970-01-01, UTC
  if (now_ms < 0 && now_ms % day_ms) --days;
  if (period == budget_period::day) return days * day_ms;
  // Civil date from days (Howard Hinnant's algorithm), then back to the 1st.
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long day_of_month = doy - (153 * mp + 2) / 5 + 1;
  return (days - (day_of_month - 1)) * day_ms;
}

const char* to_string(budget_period period) {
  return period == budget_period::day ? "day" : "month";
}

bool parse_budget_period(const std::string& text, budget_period& out) {
  if (text == "day") out = budget_period::day;
  else if (text == "month") out = budget_period::month;
  else return false;
  return true;
}

bool budget_account::reserve(double usd) {
  usd = std::max(usd, 0.0);
  if (spent_ + reserved_ + usd > limit_) return false;
  reserved_ += usd;
  ++holding_;
  return true;
}

void budget_account::settle(double reserved, double billed) {
  // With no reservation left, none is held: no rounding residue either.
  holding_ = std::max(0LL, holding_ - 1);
  reserved_ = holding_ ? std::max(0.0, reserved_ - std::max(reserved, 0.0)) : 0.0;
  spent_ += std::max(billed, 0.0);
}

void budget_account::charge(double billed) {
  spent_ += std::max(billed, 0.0);
}

}  // namespace llmopt
