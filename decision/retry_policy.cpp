#include "decision/retry_policy.hpp"

#include <algorithm>

namespace llmopt {
namespace {

struct kind_name {
  retry_kind kind;
  const char* name;
};
constexpr kind_name kind_names[] = {{retry_kind::exponential, "exponential"},
                                    {retry_kind::linear, "linear"},
                                    {retry_kind::constant, "constant"},
                                    {retry_kind::fibonacci, "fibonacci"},
                                    {retry_kind::decorrelated_jitter, "decorrelated_jitter"}};

// Multiplications below saturate at the cap instead of overflowing.
long long capped_product(long long base, long long factor, long long cap) {
  if (factor > 0 && base > cap / factor) return cap;
  return std::min(cap, base * factor);
}

long long fibonacci(int n, long long limit) {
  long long a = 1, b = 1;
  for (int i = 2; i < n && b <= limit; ++i) {
    const long long next = a + b;
    a = b;
    b = next;
  }
  return n <= 1 ? 1 : b;
}

}  // namespace

std::string to_string(retry_kind k) {
  for (const auto& n : kind_names)
    if (n.kind == k) return n.name;
  return "exponential";
}

std::optional<retry_kind> retry_kind_named(const std::string& name) {
  for (const auto& n : kind_names)
    if (name == n.name) return n.kind;
  return std::nullopt;
}

const std::vector<std::string>& retry_preset_names() {
  static const std::vector<std::string> names{"none", "fast", "standard", "patient"};
  return names;
}

std::optional<retry_policy> retry_preset(const std::string& name) {
  if (name == "none") return retry_policy{retry_kind::constant, 0, 0, 0};
  if (name == "fast") return retry_policy{retry_kind::exponential, 50, 500, 1};
  if (name == "standard") return retry_policy{retry_kind::decorrelated_jitter, 200, 2000, 2};
  if (name == "patient") return retry_policy{retry_kind::decorrelated_jitter, 1000, 20000, 4};
  return std::nullopt;
}

long long retry_delay_ms(const retry_policy& p, int retry, long long previous_ms, double u) {
  const long long base = std::max(0LL, p.base_ms);
  const long long cap = std::max(base, p.cap_ms);
  const int n = std::max(1, retry);
  switch (p.kind) {
    case retry_kind::exponential:
      return n > 62 ? cap : capped_product(base, 1LL << (n - 1), cap);
    case retry_kind::linear:
      return capped_product(base, n, cap);
    case retry_kind::constant:
      return std::min(cap, base);
    case retry_kind::fibonacci:
      return capped_product(base, fibonacci(n, cap), cap);
    case retry_kind::decorrelated_jitter: {
      const long long previous = std::max(base, previous_ms);
      const long long high = previous > cap / 3 ? cap : previous * 3;
      const double draw = std::clamp(u, 0.0, 1.0);
      const auto delay = base + static_cast<long long>(draw * static_cast<double>(high - base));
      return std::min(cap, std::max(base, delay));
    }
  }
  return std::min(cap, base);
}

}  // namespace llmopt
