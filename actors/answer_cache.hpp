#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/cached_reply.hpp"
#include "actors/inflight_calls.hpp"
#include "actors/response_cache.hpp"
#include "adapters/cache/redis_cache.hpp"
#include "adapters/providers/curl_loop.hpp"
#include "config/settings.hpp"

namespace llmopt {

struct cache_options {
  bool enabled = true;
  long long ttl_ms = 300000;
  std::size_t max_bytes = 64u << 20;
  // Routes whose answers drawn at temperature > 0 may be cached too.
  std::vector<std::string> sampled_routes;
  std::string redis;  // "host:port" or "redis://host:port"; empty: no L2
  long redis_timeout_ms = 100;
};

// The [cache] settings as the cache takes them.
cache_options cache_options_of(const settings& s);

// The response cache of the request path, one per daemon: answers by key
// (cache_key.hpp) in memory (L1, response_cache), optionally in Redis (L2),
// and the calls in flight that identical requests join (flight).
//
// open() decides how one request is served: from L1; else by joining the
// identical call in flight; else it leads a new flight, which first asks L2
// (bounded: Redis down or slow is a miss) and then lets the request make
// its call. A hit or a join makes no call and is accounted nowhere.
//
// An answer is stored (L1 and L2, for ttl_ms) when a call ends cleanly: a
// complete answer, or a stream that reached its end (never a cut or failed
// one). Entries larger than max_entry_bytes are not stored.
//
// Threading: constructed and destroyed off the loop; options() from any
// thread (immutable); everything else on the curl loop's thread only.
// stop() before the loop is destroyed (the Redis thread posts to it), the
// cache itself after the loop (exchanges completing at the loop's end still
// report to their flights).
class answer_cache {
 public:
  static constexpr std::size_t max_entry_bytes = 1u << 20;

  answer_cache(cache_options options, curl_loop& loop);

  const cache_options& options() const { return options_; }
  curl_loop& loop() { return loop_; }

  // What one request's exchange hears from the cache.
  struct lead_callbacks {
    std::function<void()> go;           // make the call (this request leads)
    std::function<void()> cancel_call;  // every waiter has gone before the call ended
    std::function<void()> served;       // answered by the cache: no call, nothing to account
  };

  // Serves `client` under `key` from L1 or by joining the identical call in
  // flight (answered with x-llmopt-cache: hit; `served` runs) and returns
  // null; or opens a flight this request leads and returns it. The flight
  // asks L2 first: on a hit the client is served from there (`served`
  // runs); otherwise `go` runs.
  std::shared_ptr<flight> open(const std::string& key, cache_client client, lead_callbacks calls);

  // -- for flights ------------------------------------------------------------
  void store(const std::string& key, const nlohmann::json& completion, const std::string& model);
  void close(const std::string& key, const flight* which);

  // entries, bytes, max_bytes, hits, misses, joins, stores, evictions,
  // in_flight, and l2: {configured, hits, misses, errors}.
  nlohmann::json stats() const;

  // Stops the Redis thread; later lookups are misses.
  void stop();

 private:
  struct cached {
    nlohmann::json completion;
    std::string model;
  };
  void ask_l2(const std::string& key, const std::shared_ptr<flight>& lead, cache_client client,
              lead_callbacks calls);

  cache_options options_;
  curl_loop& loop_;
  response_cache l1_;
  std::unique_ptr<redis_cache> l2_;
  std::unordered_map<std::string, std::shared_ptr<flight>> in_flight_;
  unsigned long long hits_ = 0, misses_ = 0, joins_ = 0, stores_ = 0;
  unsigned long long l2_hits_ = 0, l2_misses_ = 0, l2_errors_ = 0;
};

}  // namespace llmopt
