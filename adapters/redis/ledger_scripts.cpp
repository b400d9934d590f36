#include "adapters/redis/ledger_scripts.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <hiredis/hiredis.h>

namespace llmopt {
namespace {

// Helpers of both scripts: a budget's reservation released, and the
// reservations past their deadline swept (at most 256 a call, so a script
// stays short however many a crash left).
constexpr std::string_view common_lua = R"lua(
local function num(x) return string.format('%.17g', x) end
local function release(h, held, id)
  if redis.call('ZREM', held, id) == 1 then
    local amount = tonumber(redis.call('HGET', h, 'r:' .. id)) or 0
    redis.call('HDEL', h, 'r:' .. id)
    local reserved = (tonumber(redis.call('HGET', h, 'reserved')) or 0) - amount
    -- No reservation left: none is held, nor any rounding residue.
    if reserved < 0 or redis.call('ZCARD', held) == 0 then reserved = 0 end
    redis.call('HSET', h, 'reserved', num(reserved))
  end
end
local function sweep(h, held, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', held, '-inf', now, 'LIMIT', 0, 256)) do
    release(h, held, id)
  end
end
local function open(h, seed)
  if redis.call('HSETNX', h, 'spent', seed) == 1 then redis.call('HSET', h, 'reserved', '0') end
end
)lua";

// KEYS: per limit its log and its sum; per budget its hash and its held set.
// ARGV: now, id, usd, hold_until, #limits, #budgets, then per limit kind
// ('w' sliding window, 'b' token bucket), per_minute, amount; per budget
// limit, seed, expire_at.
constexpr std::string_view admit_lua = R"lua(
local now, id = tonumber(ARGV[1]), ARGV[2]
local usd, hold_until = math.max(tonumber(ARGV[3]), 0), tonumber(ARGV[4])
local nl, nb = tonumber(ARGV[5]), tonumber(ARGV[6])
local minute = 60000

-- A sliding window: entries "<id>:<amount>" scored by when they were let in.
local function window(log, sum_key, limit, amount)
  local total = tonumber(redis.call('GET', sum_key)) or 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', log, '-inf', now - minute)) do
    total = total - (tonumber(string.match(m, ':(%d+)$')) or 0)
  end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - minute)
  if total < 0 or redis.call('ZCARD', log) == 0 then total = 0 end
  local allowed = amount <= limit and total + amount <= limit
  if allowed and amount > 0 then
    redis.call('ZADD', log, now, id .. ':' .. amount)
    total = total + amount
  end
  redis.call('SET', sum_key, total, 'PX', minute + 1000)
  redis.call('PEXPIRE', log, minute + 1000)
  local reset = 0
  local newest = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
  if newest[2] then reset = tonumber(newest[2]) + minute - now end
  local retry = 0
  if not allowed then
    if amount > limit then
      retry = -1
    else
      -- The oldest entries leave until enough room is free.
      local freed = limit - total
      local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
      for i = 1, #entries, 2 do
        freed = freed + (tonumber(string.match(entries[i], ':(%d+)$')) or 0)
        if freed >= amount then
          retry = tonumber(entries[i + 1]) + minute - now
          break
        end
      end
    end
  end
  return {allowed and 1 or 0, limit, limit - total, reset, retry}
end

-- A bucket of `limit` refilled at `limit` a minute, in thousandths.
local function bucket(h, limit, amount)
  local milli = tonumber(redis.call('HGET', h, 'milli'))
  local at = tonumber(redis.call('HGET', h, 'at'))
  if not milli or not at then
    milli = limit * 1000
  else
    milli = math.min(limit * 1000, milli + math.floor(math.max(0, now - at) * limit / 60))
  end
  local need = amount * 1000
  local allowed = amount <= limit and milli >= need
  if allowed then milli = milli - need end
  redis.call('HSET', h, 'milli', milli, 'at', now)
  redis.call('PEXPIRE', h, 2 * minute)
  local reset = math.ceil((limit * 1000 - milli) * 60 / limit)
  local retry = 0
  if not allowed then
    if amount > limit then retry = -1 else retry = math.ceil((need - milli) * 60 / limit) end
  end
  return {allowed and 1 or 0, limit, math.floor(milli / 1000), reset, retry}
end

local verdicts = {}
for i = 1, nl do
  local a = 6 + (i - 1) * 3
  local kind, limit, amount = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local v
  if kind == 'b' then
    v = bucket(KEYS[2 * i - 1], limit, amount)
  else
    v = window(KEYS[2 * i - 1], KEYS[2 * i], limit, amount)
  end
  verdicts[i] = v
  if v[1] == 0 then return {2, i, verdicts, {}} end
end

local figures = {}
for j = 1, nb do
  local h, held = KEYS[2 * nl + 2 * j - 1], KEYS[2 * nl + 2 * j]
  local a = 6 + nl * 3 + (j - 1) * 3
  local limit = tonumber(ARGV[a + 1])
  open(h, ARGV[a + 2])
  sweep(h, held, now)
  local spent = tonumber(redis.call('HGET', h, 'spent')) or 0
  local reserved = tonumber(redis.call('HGET', h, 'reserved')) or 0
  figures[j] = {num(limit), num(spent), num(reserved)}
  if spent + reserved + usd > limit then return {3, j, verdicts, figures} end
end
for j = 1, nb do
  local h, held = KEYS[2 * nl + 2 * j - 1], KEYS[2 * nl + 2 * j]
  local expire_at = ARGV[6 + nl * 3 + (j - 1) * 3 + 3]
  local reserved = (tonumber(redis.call('HGET', h, 'reserved')) or 0) + usd
  redis.call('HSET', h, 'reserved', num(reserved), 'r:' .. id, num(usd))
  redis.call('ZADD', held, hold_until, id)
  redis.call('PEXPIREAT', h, expire_at)
  redis.call('PEXPIREAT', held, expire_at)
  figures[j][3] = num(reserved)
end
return {1, 0, verdicts, figures}
)lua";

// KEYS: per budget the hash and held set its reservation is in, and the
// hash of its current period. ARGV: id (may be empty), billed, now,
// #budgets, then per budget seed, expire_at.
constexpr std::string_view settle_lua = R"lua(
local id, billed, now, nb = ARGV[1], math.max(tonumber(ARGV[2]), 0), tonumber(ARGV[3]), tonumber(ARGV[4])
for j = 1, nb do
  local h, held, current = KEYS[3 * j - 2], KEYS[3 * j - 1], KEYS[3 * j]
  if id ~= '' then release(h, held, id) end
  sweep(h, held, now)
  open(current, ARGV[4 + 2 * j - 1])
  redis.call('HINCRBYFLOAT', current, 'spent', num(billed))
  redis.call('PEXPIREAT', current, ARGV[4 + 2 * j])
end
return nb
)lua";

std::string number_text(double x) {
  char out[40];
  std::snprintf(out, sizeof out, "%.17g", x);
  return out;
}

std::string budget_key(const std::string& scope, long long period_start_ms) {
  return "llmopt:budget:{" + scope + ":" + std::to_string(period_start_ms) + "}";
}

std::string rate_key(const std::string& counter) {
  return "llmopt:rate:{" + counter + "}";
}

// Numbers the scripts write as text are short.
constexpr std::size_t max_number_text = 64;

std::optional<long long> integer_of(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_INTEGER) return std::nullopt;
  return r->integer;
}

// A float the script wrote as text ("%.17g").
std::optional<double> double_of(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > max_number_text)
    return std::nullopt;
  const std::string text(r->str, r->len);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// The elements of an array reply of at most `max` elements.
std::optional<std::vector<const redisReply*>> elements_of(const redisReply* r, std::size_t max) {
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements > max) return std::nullopt;
  if (r->elements > 0 && !r->element) return std::nullopt;
  return std::vector<const redisReply*>(r->element, r->element + r->elements);
}

std::optional<rate_verdict> verdict_of(const redisReply* r) {
  auto fields = elements_of(r, 5);
  if (!fields || fields->size() != 5) return std::nullopt;
  long long values[5];
  for (std::size_t i = 0; i < 5; ++i) {
    auto v = integer_of((*fields)[i]);
    if (!v) return std::nullopt;
    values[i] = *v;
  }
  rate_verdict v;
  v.allowed = values[0] == 1;
  v.limit = values[1];
  v.remaining = values[2];
  v.reset_ms = values[3];
  v.retry_after_ms = values[4];
  return v;
}

std::optional<budget_figures> figures_of(const redisReply* r) {
  auto fields = elements_of(r, 3);
  if (!fields || fields->size() != 3) return std::nullopt;
  auto limit = double_of((*fields)[0]);
  auto spent = double_of((*fields)[1]);
  auto reserved = double_of((*fields)[2]);
  if (!limit || !spent || !reserved) return std::nullopt;
  return budget_figures{*limit, *spent, *reserved};
}

}  // namespace

std::optional<ledger_verdict> read_verdict(const redisReply& reply, std::size_t limits,
                                           std::size_t budgets) {
  auto parts = elements_of(&reply, 4);
  if (!parts || parts->size() != 4) return std::nullopt;
  auto status = integer_of((*parts)[0]);
  auto index = integer_of((*parts)[1]);
  auto verdicts = elements_of((*parts)[2], limits);
  auto figures = elements_of((*parts)[3], budgets);
  if (!status || !index || !verdicts || !figures) return std::nullopt;
  ledger_verdict out;
  for (const auto* v : *verdicts) {
    auto read = verdict_of(v);
    if (!read) return std::nullopt;
    out.limits.push_back(*read);
  }
  for (const auto* f : *figures) {
    auto read = figures_of(f);
    if (!read) return std::nullopt;
    out.budgets.push_back(*read);
  }
  switch (*status) {
    case 1:
      if (*index != 0 || out.limits.size() != limits || out.budgets.size() != budgets)
        return std::nullopt;
      out.result = ledger_verdict::outcome::admitted;
      return out;
    case 2:
      if (*index < 1 || static_cast<std::size_t>(*index) != out.limits.size() ||
          out.limits.back().allowed)
        return std::nullopt;
      out.result = ledger_verdict::outcome::rate_limited;
      out.refused = static_cast<std::size_t>(*index - 1);
      return out;
    case 3:
      if (*index < 1 || static_cast<std::size_t>(*index) != out.budgets.size() ||
          out.limits.size() != limits)
        return std::nullopt;
      out.result = ledger_verdict::outcome::over_budget;
      out.refused = static_cast<std::size_t>(*index - 1);
      return out;
    default:
      return std::nullopt;
  }
}

const std::string& admit_script() {
  static const std::string source = std::string(common_lua) + std::string(admit_lua);
  return source;
}

const std::string& settle_script() {
  static const std::string source = std::string(common_lua) + std::string(settle_lua);
  return source;
}

script_call_arguments admit_arguments(const ledger_request& r) {
  script_call_arguments call;
  call.args = {std::to_string(r.now_ms),
               r.reservation_id,
               number_text(r.usd),
               std::to_string(r.hold_until_ms),
               std::to_string(r.limits.size()),
               std::to_string(r.budgets.size())};
  for (const auto& l : r.limits) {
    const auto key = rate_key(l.counter);
    call.keys.insert(call.keys.end(), {key, key + ":sum"});
    call.args.insert(call.args.end(), {l.kind == rate_limit_kind::token_bucket ? "b" : "w",
                                       std::to_string(l.per_minute), std::to_string(l.amount)});
  }
  for (const auto& b : r.budgets) {
    const auto key = budget_key(b.scope, b.period_start_ms);
    call.keys.insert(call.keys.end(), {key, key + ":held"});
    call.args.insert(call.args.end(), {number_text(b.limit_usd), number_text(b.seed_spent_usd),
                                       std::to_string(b.expire_at_ms)});
  }
  return call;
}

script_call_arguments settle_arguments(const ledger_settlement& s) {
  script_call_arguments call;
  call.args = {s.reservation_id, number_text(s.billed_usd), std::to_string(s.now_ms),
               std::to_string(s.budgets.size())};
  for (std::size_t i = 0; i < s.budgets.size(); ++i) {
    const auto& b = s.budgets[i];
    const long long reserved_in = i < s.reserved_in.size() ? s.reserved_in[i] : b.period_start_ms;
    const auto held = budget_key(b.scope, reserved_in);
    call.keys.insert(call.keys.end(),
                     {held, held + ":held", budget_key(b.scope, b.period_start_ms)});
    call.args.insert(call.args.end(),
                     {number_text(b.seed_spent_usd), std::to_string(b.expire_at_ms)});
  }
  return call;
}

}  // namespace llmopt
