#include "adapters/redis/redis_ledger.hpp"

#include <pthread.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>

#include <hiredis/hiredis.h>

namespace llmopt {
namespace {

using steady = std::chrono::steady_clock;

// -- the scripts --------------------------------------------------------------

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

// -- reading replies ----------------------------------------------------------

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

// -- the Redis thread ---------------------------------------------------------

struct redis_ledger::command {
  std::variant<ledger_request, ledger_settlement> what;
  std::function<void(std::optional<ledger_verdict>)> done;  // admissions only
  steady::time_point asked = steady::now();
};

// The scripts' SHA-1 digests as this connection's Redis knows them; empty:
// not loaded yet (a new connection, or Redis lost them in a restart).
struct redis_ledger::scripts {
  std::string admit;
  std::string settle;
};

namespace {

// Commands taken from the queue and sent together, their replies read
// after: one round trip for a burst instead of one per request.
constexpr std::size_t max_batch = 256;

const std::string& admit_source() {
  static const std::string source = std::string(common_lua) + std::string(admit_lua);
  return source;
}

const std::string& settle_source() {
  static const std::string source = std::string(common_lua) + std::string(settle_lua);
  return source;
}

// One EVALSHA of one of the scripts.
struct script_call {
  const std::string* source = nullptr;
  std::string* sha = nullptr;  // as loaded on this connection
  std::vector<std::string> keys;
  std::vector<std::string> args;

  std::vector<std::string_view> argv(const std::string& key_count) const {
    std::vector<std::string_view> out{"EVALSHA", *sha, key_count};
    out.insert(out.end(), keys.begin(), keys.end());
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }
};

bool load(redis_connection& redis, const script_call& call) {
  if (!call.sha->empty()) return true;
  auto loaded = redis.run({"SCRIPT", "LOAD", *call.source});
  if (!loaded || loaded->type != REDIS_REPLY_STRING || loaded->len > max_number_text) return false;
  call.sha->assign(loaded->str, loaded->len);
  return true;
}

bool is_noscript(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ERROR &&
         std::string_view(reply.str, reply.len).substr(0, 8) == "NOSCRIPT";
}

// Every call, pipelined; each one's reply, null where it failed (an error
// reply, or the connection broke before its reply came). A call whose
// script Redis lost meanwhile (a restart between load and call) is loaded
// and sent once more, alone.
std::vector<redis_connection::reply_ptr> evaluate_all(redis_connection& redis,
                                                      const std::vector<script_call>& calls) {
  std::vector<redis_connection::reply_ptr> replies(calls.size());
  if (!redis.ready()) return replies;
  for (const auto& c : calls)
    if (!load(redis, c)) return replies;
  std::vector<std::string> key_counts;
  for (const auto& c : calls)
    key_counts.push_back(std::to_string(c.keys.size()));
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (!redis.append(calls[i].argv(key_counts[i]))) return replies;
  std::vector<std::size_t> lost_script;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto reply = redis.next_reply();
    if (!reply) return replies;  // the connection broke: no later reply comes
    if (is_noscript(*reply))
      lost_script.push_back(i);
    else if (reply->type != REDIS_REPLY_ERROR)
      replies[i] = std::move(reply);
  }
  for (auto i : lost_script) {
    calls[i].sha->clear();
    if (!load(redis, calls[i]) || !redis.append(calls[i].argv(key_counts[i]))) continue;
    auto reply = redis.next_reply();
    if (reply && reply->type != REDIS_REPLY_ERROR) replies[i] = std::move(reply);
  }
  return replies;
}

script_call call_of(const ledger_request& r, std::string& sha) {
  script_call call{&admit_source(), &sha, {}, {}};
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

script_call call_of(const ledger_settlement& s, std::string& sha) {
  script_call call{&settle_source(), &sha, {}, {}};
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

}  // namespace

redis_ledger::redis_ledger(options o) : options_(std::move(o)), thread_([this] { run(); }) {}

redis_ledger::~redis_ledger() {
  stop();
}

void redis_ledger::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  std::lock_guard<std::mutex> lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void redis_ledger::admit(ledger_request request,
                         std::function<void(std::optional<ledger_verdict>)> done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(command{std::move(request), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void redis_ledger::settle(ledger_settlement settlement) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(command{std::move(settlement), nullptr});
      wake_.notify_one();
      return;
    }
  }
  ++lost_settlements_;
}

void redis_ledger::run() {
  ::pthread_setname_np(::pthread_self(), "redis-ledger");
  redis_connection redis(options_.address);
  scripts loaded;
  for (;;) {
    std::vector<command> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    execute(batch, redis, loaded);
  }
}

void redis_ledger::execute(std::vector<command>& batch, redis_connection& redis, scripts& loaded) {
  if (!redis.connected()) loaded = {};
  // Admissions asked too long ago are answered at once, unsent: their
  // requests are decided without Redis.
  const auto stale = steady::now() - std::chrono::milliseconds(options_.address.timeout_ms);
  std::vector<command*> sent;
  std::vector<script_call> calls;
  for (auto& c : batch) {
    if (auto* s = std::get_if<ledger_settlement>(&c.what)) {
      calls.push_back(call_of(*s, loaded.settle));
    } else if (c.asked < stale) {
      c.done(std::nullopt);
      continue;
    } else {
      calls.push_back(call_of(std::get<ledger_request>(c.what), loaded.admit));
    }
    sent.push_back(&c);
  }
  if (calls.empty()) return;
  auto replies = evaluate_all(redis, calls);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    auto& c = *sent[i];
    if (!c.done) {
      if (!replies[i]) ++lost_settlements_;
      continue;
    }
    const auto& r = std::get<ledger_request>(c.what);
    c.done(replies[i] ? read_verdict(*replies[i], r.limits.size(), r.budgets.size())
                      : std::nullopt);
  }
}

}  // namespace llmopt
