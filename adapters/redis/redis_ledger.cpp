#include "adapters/redis/redis_ledger.hpp"

#include <pthread.h>

#include <string_view>
#include <variant>

#include <hiredis/hiredis.h>

namespace llmopt {

using steady = std::chrono::steady_clock;

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

// One EVALSHA of one of the scripts.
struct script_call {
  const std::string* source = nullptr;
  std::string* sha = nullptr;  // as loaded on this connection
  script_call_arguments arguments;

  std::vector<std::string_view> argv(const std::string& key_count) const {
    std::vector<std::string_view> out{"EVALSHA", *sha, key_count};
    out.insert(out.end(), arguments.keys.begin(), arguments.keys.end());
    out.insert(out.end(), arguments.args.begin(), arguments.args.end());
    return out;
  }
};

bool load(redis_connection& redis, const script_call& call) {
  if (!call.sha->empty()) return true;
  auto loaded = redis.run({"SCRIPT", "LOAD", *call.source});
  if (!loaded || loaded->type != REDIS_REPLY_STRING || loaded->len > max_script_sha) return false;
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
    key_counts.push_back(std::to_string(c.arguments.keys.size()));
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

}  // namespace

redis_ledger::redis_ledger(options o) : options_(std::move(o)), queue_(options_.max_queued) {
  queue_.start([this] { run(); });
}

redis_ledger::~redis_ledger() {
  stop();
}

void redis_ledger::stop() {
  queue_.stop();
}

void redis_ledger::admit(ledger_request request,
                         std::function<void(std::optional<ledger_verdict>)> done) {
  command c{std::move(request), std::move(done)};
  if (!queue_.push(c)) c.done(std::nullopt);
}

void redis_ledger::settle(ledger_settlement settlement) {
  command c{std::move(settlement), nullptr};
  if (!queue_.push(c)) ++lost_settlements_;
}

void redis_ledger::run() {
  ::pthread_setname_np(::pthread_self(), "redis-ledger");
  redis_connection redis(options_.address);
  scripts loaded;
  std::vector<command> batch;
  while (queue_.take(batch, max_batch))
    execute(batch, redis, loaded);
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
      calls.push_back({&settle_script(), &loaded.settle, settle_arguments(*s)});
    } else if (c.asked < stale) {
      c.done(std::nullopt);
      continue;
    } else {
      calls.push_back(
          {&admit_script(), &loaded.admit, admit_arguments(std::get<ledger_request>(c.what))});
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
