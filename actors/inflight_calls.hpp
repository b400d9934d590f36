#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/cached_answer.hpp"
#include "actors/cached_reply.hpp"

namespace llmopt {

class answer_cache;

// One upstream call shared by every identical request that comes while it is
// in flight (single flight). The request that found no answer and no such
// call leads: its exchange makes the call and tees what its own client is
// sent into the flight (on_chunk, then on_answer or on_failure); the
// requests that join follow it (cached_reply): a streaming follower gets the
// chunks so far, then the rest as they come; a non-streaming one the whole
// completion with its own id; when the call fails, every follower gets the
// same error, and nobody calls again.
//
// Lifetime: a follower that goes away does not cancel the call, nor does
// the leader's client while followers wait (the exchange carries on with
// nobody of its own to answer, leader_left()). When every waiter has gone,
// the call is cancelled. The flight leaves answer_cache's table when the
// call ends (or is cancelled), so a request arriving later makes its own.
//
// Memory: the chunks kept for late joiners are bounded by max_replay_bytes
// (their text, plus chunk_overhead each). Past it, the flight takes no more
// joiners (later identical requests make their own call); the followers
// already there go on receiving the rest live.
//
// Threading: the curl loop's thread only.
class flight : public std::enable_shared_from_this<flight> {
 public:
  static constexpr std::size_t max_replay_bytes = 1u << 20;
  static constexpr std::size_t chunk_overhead = 160;

  flight(answer_cache& cache, std::string key, std::function<void()> cancel_call)
      : cache_(cache), key_(std::move(key)), cancel_call_(std::move(cancel_call)) {}

  // -- the leader's side ------------------------------------------------------

  // A chunk sent to the leader's client, from `model`.
  void on_chunk(const nlohmann::json& chunk, const std::string& model);
  // The call answered: `completion`, or for a stream (null) the chunks teed.
  // Followers are answered; the answer is stored in the cache (unless it
  // came from there: `store` false).
  void on_answer(const nlohmann::json& completion, const std::string& model, bool store = true);
  // The call failed: every follower gets `e`.
  void on_failure(const api_error& e, std::optional<long long> retry_after_s);
  // The leader's client has gone. True when followers still wait: the call
  // goes on for them, and the leader has nobody of its own to answer.
  bool leader_left();

  // -- the followers' side ----------------------------------------------------

  bool joinable() const { return !ended_ && !overflowed_; }
  // REQUIRES: joinable(). Replays the chunks so far to a streaming client.
  void join(cache_client client);

 private:
  void leave(std::size_t follower);
  void end();
  std::size_t waiting() const;

  answer_cache& cache_;
  std::string key_;
  std::function<void()> cancel_call_;
  bool leader_present_ = true;
  bool ended_ = false;
  std::string model_;
  completion_builder builder_;
  std::vector<nlohmann::json> so_far_;
  std::size_t so_far_bytes_ = 0;
  bool overflowed_ = false;
  std::map<std::size_t, std::unique_ptr<cached_reply>> followers_;
  std::size_t next_follower_ = 0;
};

// A stream to nobody: takes every write, never queues. What a leader whose
// client has gone writes to while its call goes on for the followers.
std::shared_ptr<http::response_stream> discarding_stream();

}  // namespace llmopt
