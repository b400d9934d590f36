#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "adapters/redis/work_queue.hpp"

namespace llmopt {

class redis_connection;

// What a GET from Redis found: the value, nothing (a miss), or an error
// (Redis down, slow, or the queue full), which callers treat as a miss.
// ttl_ms: the milliseconds the value has left in Redis, 0 when unknown.
struct redis_lookup {
  std::optional<std::string> value;
  bool error = false;
  long long ttl_ms = 0;
};

// A Redis server as a key-value store with expiry, for the response cache's
// second level. hiredis is blocking, so every command runs on this class's
// own thread, fed by a bounded queue; callers never wait:
//   - a command waits at most `timeout_ms` for Redis (connect included);
//   - a GET still queued `timeout_ms` after it was asked is answered as an
//     error without being sent, and so is one that finds the queue full;
//   - after a failed connection, commands are answered as errors without
//     trying again for a second.
// So a lookup is answered within about 2 * timeout_ms, Redis up or down.
//
// Threading: get(), set() and stop() may be called from any thread; `done`
// runs on the Redis thread (on the caller's when the queue is full or the
// cache stopped) and must not block: post the result elsewhere. stop() (and
// the destructor) drops what is queued, without calling `done`, and joins
// the thread; later gets are answered as errors at once.
class redis_cache {
 public:
  struct options {
    std::string host = "127.0.0.1";
    int port = 6379;
    long timeout_ms = 100;
    std::size_t max_queued = 1024;
  };

  // "host:port" or "redis://host:port[/]" -> host and port; nullopt when it
  // is neither.
  static std::optional<options> parse_address(const std::string& address);

  explicit redis_cache(options o);
  ~redis_cache();
  redis_cache(const redis_cache&) = delete;
  redis_cache& operator=(const redis_cache&) = delete;

  void get(std::string key, std::function<void(redis_lookup)> done);
  void stop();
  // Stores `value` under `key` for `ttl_ms`; failures are counted only.
  void set(std::string key, std::string value, long long ttl_ms);

 private:
  struct command;
  void run();
  void execute(command& c, redis_connection& redis);

  options options_;
  work_queue<command> queue_;  // last: its thread goes first
};

}  // namespace llmopt
