#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace llmopt {

// Where a Redis server is, and how long one command may take (connect
// included).
struct redis_address {
  std::string host = "127.0.0.1";
  int port = 6379;
  long timeout_ms = 100;

  // "host:port" or "redis://host:port[/]" -> host and port (timeout_ms left
  // at its default); nullopt when it is neither.
  static std::optional<redis_address> parse(const std::string& address);
};

// One hiredis context, reconnected on demand: after a failed connection or
// a broken one, commands fail at once for a second before it tries again.
// hiredis (0.14, Debian 12) parses replies up to 9 levels deep and bounds
// nothing else: whoever reads a reply checks its type, element count and
// lengths before using any of it.
//
// Threading: one thread at a time (hiredis blocks); it is meant to be owned
// by the thread that runs an adapter's commands.
class redis_connection {
 public:
  struct free_reply {
    void operator()(redisReply* r) const;
  };
  using reply_ptr = std::unique_ptr<redisReply, free_reply>;

  explicit redis_connection(redis_address address);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Connected, or connected now; false while Redis is unreachable.
  bool ready();
  // Sends one command without waiting for its reply; false on failure (the
  // connection is dropped).
  bool append(const std::vector<std::string_view>& args);
  // The next reply, an error reply included; null (and the connection
  // dropped when it broke) on failure.
  reply_ptr next_reply();
  // Runs one command; null on any failure, an error reply included.
  reply_ptr run(const std::vector<std::string_view>& args);
  // Whether the connection is up (a failure since drops it).
  bool connected() const { return context_ != nullptr; }

 private:
  struct free_context {
    void operator()(redisContext* c) const;
  };
  void failed();

  redis_address address_;
  std::unique_ptr<redisContext, free_context> context_;
  std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace llmopt
