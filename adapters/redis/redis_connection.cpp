#include "adapters/redis/redis_connection.hpp"

#include <charconv>

#include <hiredis/hiredis.h>

namespace llmopt {

using steady = std::chrono::steady_clock;

std::optional<redis_address> redis_address::parse(const std::string& address) {
  std::string rest = address;
  const std::string scheme = "redis://";
  if (rest.compare(0, scheme.size(), scheme) == 0) rest.erase(0, scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  redis_address o;
  o.host = rest.substr(0, colon);
  const char* first = rest.data() + colon + 1;
  const char* last = rest.data() + rest.size();
  auto [end, ec] = std::from_chars(first, last, o.port);
  if (first == last || ec != std::errc{} || end != last || o.port < 1 || o.port > 65535)
    return std::nullopt;
  return o;
}

void redis_connection::free_reply::operator()(redisReply* r) const {
  freeReplyObject(r);
}

void redis_connection::free_context::operator()(redisContext* c) const {
  redisFree(c);
}

redis_connection::redis_connection(redis_address address) : address_(std::move(address)) {}

redis_connection::~redis_connection() = default;

bool redis_connection::ready() {
  if (context_) return true;
  if (steady::now() < retry_at_) return false;
  const timeval timeout{static_cast<time_t>(address_.timeout_ms / 1000),
                        static_cast<suseconds_t>((address_.timeout_ms % 1000) * 1000)};
  context_.reset(redisConnectWithTimeout(address_.host.c_str(), address_.port, timeout));
  if (context_ && !context_->err && redisSetTimeout(context_.get(), timeout) == REDIS_OK)
    return true;
  failed();
  return false;
}

void redis_connection::failed() {
  context_.reset();
  retry_at_ = steady::now() + std::chrono::seconds(1);
}

bool redis_connection::append(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                             lengths.data()) == REDIS_OK)
    return true;
  failed();
  return false;
}

redis_connection::reply_ptr redis_connection::next_reply() {
  void* raw = nullptr;
  if (redisGetReply(context_.get(), &raw) != REDIS_OK) {
    failed();
    return nullptr;
  }
  return reply_ptr{static_cast<redisReply*>(raw)};
}

redis_connection::reply_ptr redis_connection::run(const std::vector<std::string_view>& args) {
  if (!ready() || !append(args)) return nullptr;
  auto reply = next_reply();
  if (!reply || reply->type == REDIS_REPLY_ERROR) return nullptr;
  return reply;
}

}  // namespace llmopt
