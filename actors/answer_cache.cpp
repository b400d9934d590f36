#include "actors/answer_cache.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "adapters/providers/bounded_json.hpp"

namespace llmopt {
namespace {

long long steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Redis keys: the cache key under a versioned prefix, so a change of the
// entry's shape never reads an old one.
std::string redis_key(const std::string& key) {
  return "llmopt:answer:v1:" + key;
}

// An entry as stored: {"model": ..., "completion": {...}}.
std::string entry_text(const nlohmann::json& completion, const std::string& model) {
  return dump_json({{"model", model}, {"completion", completion}});
}

// An entry read back; false when it is not one (a corrupt or foreign value
// in Redis), which is a miss.
bool read_entry(const std::string& text, nlohmann::json& completion, std::string& model) {
  auto parsed = parse_bounded_json(text, json_bounds{answer_cache::max_entry_bytes * 2, 64});
  if (!parsed || !parsed->is_object()) return false;
  auto c = parsed->find("completion");
  auto m = parsed->find("model");
  if (c == parsed->end() || !c->is_object() || !c->contains("choices")) return false;
  if (m == parsed->end() || !m->is_string()) return false;
  completion = std::move(*c);
  model = m->get<std::string>();
  return true;
}

cache_client hit_of(cache_client client) {
  client.headers.emplace_back("x-llmopt-cache", "hit");
  return client;
}

}  // namespace

cache_options cache_options_of(const settings& s) {
  cache_options o;
  o.enabled = s.cache.enabled;
  o.ttl_ms = 1000LL * s.cache.ttl_s;
  o.max_bytes = static_cast<std::size_t>(s.cache.max_bytes);
  o.sampled_routes = s.cache.sampled_routes;
  o.redis = s.cache.redis;
  o.redis_timeout_ms = s.cache.redis_timeout_ms;
  return o;
}

answer_cache::answer_cache(cache_options options, curl_loop& loop)
    : options_(std::move(options)), loop_(loop), l1_(options_.max_bytes) {
  if (!options_.enabled || options_.redis.empty()) return;
  auto address = redis_cache::parse_address(options_.redis);
  if (!address) return;  // refused by the config's checks before this
  address->timeout_ms = options_.redis_timeout_ms;
  l2_ = std::make_unique<redis_cache>(*address);
}

std::shared_ptr<flight> answer_cache::open(const std::string& key, cache_client client,
                                           lead_callbacks calls) {
  if (const std::string* found = l1_.find(key, steady_ms())) {
    nlohmann::json completion;
    std::string model;
    if (read_entry(*found, completion, model)) {
      ++hits_;
      cached_reply(hit_of(std::move(client))).answer(completion, model);
      calls.served();
      return nullptr;
    }
  }
  if (auto joined = in_flight_.find(key);
      joined != in_flight_.end() && joined->second->joinable()) {
    ++joins_;
    joined->second->join(hit_of(std::move(client)));
    calls.served();
    return nullptr;
  }
  auto lead = std::make_shared<flight>(*this, key, std::move(calls.cancel_call));
  in_flight_[key] = lead;
  if (l2_) {
    ask_l2(key, lead, std::move(client), std::move(calls));
  } else {
    ++misses_;
    // After open() returns, so that the exchange holds its flight first.
    loop_.post(std::move(calls.go));
  }
  return lead;
}

void answer_cache::ask_l2(const std::string& key, const std::shared_ptr<flight>& lead,
                          cache_client client, lead_callbacks calls) {
  std::weak_ptr<flight> weak = lead;
  auto on_loop = [this, key, weak, client = std::move(client),
                  calls = std::move(calls)](redis_lookup found) mutable {
    auto alive = weak.lock();
    nlohmann::json completion;
    std::string model;
    const bool hit = found.value && read_entry(*found.value, completion, model);
    if (hit)
      ++l2_hits_;
    else if (found.error)
      ++l2_errors_;
    else
      ++l2_misses_;
    if (!hit) {
      ++misses_;
      if (alive && alive->joinable()) calls.go();
      return;
    }
    ++hits_;
    // Kept in L1 only as long as Redis keeps it, so no copy outlives the
    // answer's TTL.
    const long long left = found.ttl_ms > 0 ? std::min(found.ttl_ms, options_.ttl_ms)
                                            : options_.ttl_ms;
    l1_.store(key, *found.value, steady_ms() + left);
    cached_reply(hit_of(std::move(client))).answer(completion, model);
    calls.served();
    if (alive) alive->on_answer(completion, model, false);
  };
  auto* loop = &loop_;
  auto shared = std::make_shared<decltype(on_loop)>(std::move(on_loop));
  l2_->get(redis_key(key), [loop, shared](redis_lookup found) {
    loop->post([shared, found = std::move(found)]() mutable { (*shared)(std::move(found)); });
  });
}

void answer_cache::store(const std::string& key, const nlohmann::json& completion,
                         const std::string& model) {
  auto text = entry_text(completion, model);
  if (text.size() > max_entry_bytes) return;
  if (l2_) l2_->set(redis_key(key), text, options_.ttl_ms);
  if (l1_.store(key, std::move(text), steady_ms() + options_.ttl_ms)) ++stores_;
}

void answer_cache::close(const std::string& key, const flight* which) {
  auto it = in_flight_.find(key);
  if (it != in_flight_.end() && it->second.get() == which) in_flight_.erase(it);
}

nlohmann::json answer_cache::stats() const {
  return {{"enabled", options_.enabled},
          {"entries", l1_.entries()},
          {"bytes", l1_.bytes()},
          {"max_bytes", l1_.max_bytes()},
          {"ttl_s", options_.ttl_ms / 1000},
          {"hits", hits_},
          {"misses", misses_},
          {"joins", joins_},
          {"stores", stores_},
          {"evictions", l1_.evictions()},
          {"in_flight", in_flight_.size()},
          {"l2",
           {{"configured", l2_ != nullptr},
            {"hits", l2_hits_},
            {"misses", l2_misses_},
            {"errors", l2_errors_}}}};
}

void answer_cache::stop() {
  if (l2_) l2_->stop();
}

}  // namespace llmopt
