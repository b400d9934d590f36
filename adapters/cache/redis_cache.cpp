#include "adapters/cache/redis_cache.hpp"

#include <pthread.h>

#include <charconv>

#include <hiredis/hiredis.h>

namespace llmopt {

using steady = std::chrono::steady_clock;

struct redis_cache::command {
  std::string key;
  std::string value;  // set only
  long long ttl_ms = 0;
  std::function<void(redis_lookup)> done;  // get only
  steady::time_point asked = steady::now();
};

// One hiredis context, reconnected on demand after a failure.
struct redis_cache::connection {
  struct free_context {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  struct free_reply {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  using reply_ptr = std::unique_ptr<redisReply, free_reply>;

  const options& o;
  std::unique_ptr<redisContext, free_context> context;
  steady::time_point retry_at{};

  timeval timeout() const {
    return {static_cast<time_t>(o.timeout_ms / 1000),
            static_cast<suseconds_t>((o.timeout_ms % 1000) * 1000)};
  }

  bool ready() {
    if (context) return true;
    if (steady::now() < retry_at) return false;
    context.reset(redisConnectWithTimeout(o.host.c_str(), o.port, timeout()));
    if (context && !context->err && redisSetTimeout(context.get(), timeout()) == REDIS_OK)
      return true;
    failed();
    return false;
  }

  void failed() {
    context.reset();
    retry_at = steady::now() + std::chrono::seconds(1);
  }

  // Sends one command without waiting for its reply; false on failure.
  bool append(std::initializer_list<std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    return redisAppendCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(),
                                  lengths.data()) == REDIS_OK;
  }

  // The next reply; null (and the connection dropped when it broke) on any
  // failure.
  reply_ptr next_reply() {
    void* raw = nullptr;
    if (redisGetReply(context.get(), &raw) != REDIS_OK) {
      failed();
      return nullptr;
    }
    reply_ptr reply{static_cast<redisReply*>(raw)};
    if (!reply || reply->type == REDIS_REPLY_ERROR) return nullptr;
    return reply;
  }

  // Runs one command; null on any failure.
  reply_ptr run(std::initializer_list<std::string_view> args) {
    if (!ready()) return nullptr;
    if (!append(args)) {
      failed();
      return nullptr;
    }
    return next_reply();
  }

  // GET and PTTL of one key in one round trip: the value and the
  // milliseconds it has left; nullopt on any failure.
  std::optional<redis_lookup> get_with_ttl(const std::string& key) {
    if (!ready()) return std::nullopt;
    if (!append({"GET", key}) || !append({"PTTL", key})) {
      failed();
      return std::nullopt;
    }
    auto value = next_reply();
    if (!context) return std::nullopt;
    auto ttl = next_reply();
    if (!value || !ttl) return std::nullopt;
    redis_lookup found;
    if (value->type == REDIS_REPLY_STRING)
      found.value = std::string(value->str, value->len);
    else if (value->type != REDIS_REPLY_NIL)
      found.error = true;
    // PTTL: -1 no expiry, -2 gone since the GET; both leave the caller's own.
    if (ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0) found.ttl_ms = ttl->integer;
    return found;
  }
};

std::optional<redis_cache::options> redis_cache::parse_address(const std::string& address) {
  std::string rest = address;
  const std::string scheme = "redis://";
  if (rest.compare(0, scheme.size(), scheme) == 0) rest.erase(0, scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  options o;
  o.host = rest.substr(0, colon);
  const char* first = rest.data() + colon + 1;
  const char* last = rest.data() + rest.size();
  auto [end, ec] = std::from_chars(first, last, o.port);
  if (first == last || ec != std::errc{} || end != last || o.port < 1 || o.port > 65535)
    return std::nullopt;
  return o;
}

redis_cache::redis_cache(options o) : options_(std::move(o)), thread_([this] { run(); }) {}

redis_cache::~redis_cache() {
  stop();
}

void redis_cache::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  std::lock_guard<std::mutex> lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void redis_cache::get(std::string key, std::function<void(redis_lookup)> done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(command{std::move(key), {}, 0, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(redis_lookup{std::nullopt, true});
}

void redis_cache::set(std::string key, std::string value, long long ttl_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || queue_.size() >= options_.max_queued) return;
  queue_.push_back(command{std::move(key), std::move(value), ttl_ms, nullptr});
  wake_.notify_one();
}

void redis_cache::run() {
  ::pthread_setname_np(::pthread_self(), "redis-cache");
  connection redis{options_, nullptr};
  for (;;) {
    command c;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      c = std::move(queue_.front());
      queue_.pop_front();
    }
    execute(c, redis);
  }
}

void redis_cache::execute(command& c, connection& redis) {
  if (!c.done) {
    redis.run({"SET", c.key, c.value, "PX", std::to_string(c.ttl_ms)});
    return;
  }
  const auto waited = steady::now() - c.asked;
  if (waited > std::chrono::milliseconds(options_.timeout_ms))
    return c.done(redis_lookup{std::nullopt, true});
  auto found = redis.get_with_ttl(c.key);
  c.done(found ? std::move(*found) : redis_lookup{std::nullopt, true});
}

}  // namespace llmopt
