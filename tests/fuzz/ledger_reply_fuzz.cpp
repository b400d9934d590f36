// libFuzzer target for the shared ledger's reading of what Redis answers
// its admit script (read_verdict): bytes of the Redis protocol, parsed by
// hiredis's own reader as the connection parses them, then read with the
// bounds of a request of 0-7 limits and 0-7 budgets (the input's first
// byte).
//
// Invariants: the read is total (a verdict or nullopt); a verdict has no
// more limits and budgets than the request had, a refusal names one that
// exists, and every figure is finite.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <hiredis/hiredis.h>

#include "adapters/redis/ledger_scripts.hpp"

namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "ledger reply invariant broken: %s\n", what);
  std::abort();
}

void check(const llmopt::ledger_verdict& v, std::size_t limits, std::size_t budgets) {
  using outcome = llmopt::ledger_verdict::outcome;
  if (v.limits.size() > limits) broken("more limits than asked");
  if (v.budgets.size() > budgets) broken("more budgets than asked");
  if (v.result == outcome::rate_limited && v.refused >= limits)
    broken("a refusing limit out of range");
  if (v.result == outcome::over_budget && v.refused >= budgets)
    broken("a refusing budget out of range");
  for (const auto& b : v.budgets)
    if (!std::isfinite(b.limit_usd) || !std::isfinite(b.spent_usd) ||
        !std::isfinite(b.reserved_usd))
      broken("a budget figure not finite");
}

// hiredis 0.14 allocates whatever an aggregate's or a string's header
// declares ("*2000000000" is a 16 GB calloc) before any element arrives:
// hiredis's behaviour, with a Redis the operator runs, not this reader's.
// Inputs declaring more than 65,536 are left to it.
bool declares_too_much(const std::uint8_t* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != '*' && data[i] != '$' && data[i] != '%' && data[i] != '~') continue;
    long long n = 0;
    for (std::size_t j = i + 1; j < size && data[j] >= '0' && data[j] <= '9'; ++j)
      if ((n = n * 10 + (data[j] - '0')) > 65536) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || declares_too_much(data, size)) return 0;
  const std::size_t limits = data[0] & 7, budgets = (data[0] >> 3) & 7;
  redisReader* reader = redisReaderCreate();
  if (redisReaderFeed(reader, reinterpret_cast<const char*>(data + 1), size - 1) == REDIS_OK) {
    for (int replies = 0; replies < 16; ++replies) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK || !raw) break;
      auto* reply = static_cast<redisReply*>(raw);
      if (auto v = llmopt::read_verdict(*reply, limits, budgets)) check(*v, limits, budgets);
      freeReplyObject(reply);
    }
  }
  redisReaderFree(reader);
  return 0;
}
