#include "adapters/cache/redis_cache.hpp"

#include <pthread.h>

#include <vector>

#include <hiredis/hiredis.h>

#include "adapters/redis/redis_connection.hpp"

namespace llmopt {

using steady = std::chrono::steady_clock;

struct redis_cache::command {
  std::string key;
  std::string value;  // set only
  long long ttl_ms = 0;
  std::function<void(redis_lookup)> done;  // get only
  steady::time_point asked = steady::now();
};

namespace {

// GET and PTTL of one key in one round trip: the value and the
// milliseconds it has left; nullopt on any failure.
std::optional<redis_lookup> get_with_ttl(redis_connection& redis, const std::string& key) {
  if (!redis.ready() || !redis.append({"GET", key}) || !redis.append({"PTTL", key}))
    return std::nullopt;
  auto value = redis.next_reply();
  if (!redis.connected()) return std::nullopt;
  auto ttl = redis.next_reply();
  if (!value || !ttl || value->type == REDIS_REPLY_ERROR || ttl->type == REDIS_REPLY_ERROR)
    return std::nullopt;
  redis_lookup found;
  if (value->type == REDIS_REPLY_STRING)
    found.value = std::string(value->str, value->len);
  else if (value->type != REDIS_REPLY_NIL)
    found.error = true;
  // PTTL: -1 no expiry, -2 gone since the GET; both leave the caller's own.
  if (ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0) found.ttl_ms = ttl->integer;
  return found;
}

}  // namespace

std::optional<redis_cache::options> redis_cache::parse_address(const std::string& address) {
  auto parsed = redis_address::parse(address);
  if (!parsed) return std::nullopt;
  options o;
  o.host = parsed->host;
  o.port = parsed->port;
  return o;
}

redis_cache::redis_cache(options o) : options_(std::move(o)), queue_(options_.max_queued) {
  queue_.start([this] { run(); });
}

redis_cache::~redis_cache() {
  stop();
}

void redis_cache::stop() {
  queue_.stop();
}

void redis_cache::get(std::string key, std::function<void(redis_lookup)> done) {
  command c{std::move(key), {}, 0, std::move(done)};
  if (!queue_.push(c)) c.done(redis_lookup{std::nullopt, true});
}

void redis_cache::set(std::string key, std::string value, long long ttl_ms) {
  command c{std::move(key), std::move(value), ttl_ms, nullptr};
  queue_.push(c);  // full or stopped: dropped, as a cache may
}

void redis_cache::run() {
  ::pthread_setname_np(::pthread_self(), "redis-cache");
  redis_connection redis({options_.host, options_.port, options_.timeout_ms});
  std::vector<command> one;
  while (queue_.take(one, 1))
    execute(one.front(), redis);
}

void redis_cache::execute(command& c, redis_connection& redis) {
  if (!c.done) {
    redis.run({"SET", c.key, c.value, "PX", std::to_string(c.ttl_ms)});
    return;
  }
  const auto waited = steady::now() - c.asked;
  if (waited > std::chrono::milliseconds(options_.timeout_ms))
    return c.done(redis_lookup{std::nullopt, true});
  auto found = get_with_ttl(redis, c.key);
  c.done(found ? std::move(*found) : redis_lookup{std::nullopt, true});
}

}  // namespace llmopt
