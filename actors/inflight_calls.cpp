#include "actors/inflight_calls.hpp"

#include "actors/answer_cache.hpp"

namespace llmopt {

namespace {

class discarding : public http::response_stream {
 public:
  bool write(std::string) override { return true; }
  void end() override {}
  std::size_t queued_bytes() const override { return 0; }
  void when_drained(std::size_t, std::function<void()> fn) override { fn(); }
};

}  // namespace

std::shared_ptr<http::response_stream> discarding_stream() {
  return std::make_shared<discarding>();
}

void flight::on_chunk(const nlohmann::json& chunk, const std::string& model) {
  if (ended_) return;
  model_ = model;
  builder_.add(chunk);
  const std::vector<nlohmann::json> one{chunk};
  for (auto& [n, follower] : followers_)
    follower->chunks(one, model);
  if (overflowed_) return;
  so_far_.push_back(chunk);
  so_far_bytes_ = builder_.bytes() + chunk_overhead * so_far_.size();
  if (so_far_bytes_ > max_replay_bytes) {
    overflowed_ = true;
    so_far_.clear();
    so_far_.shrink_to_fit();
  }
}

void flight::on_answer(const nlohmann::json& completion, const std::string& model, bool store) {
  if (ended_) return;
  const nlohmann::json answer = completion.is_null() ? builder_.completion() : completion;
  for (auto& [n, follower] : followers_)
    follower->answer(answer, model);
  if (store) cache_.store(key_, answer, model);
  end();
}

void flight::on_failure(const api_error& e, std::optional<long long> retry_after_s) {
  if (ended_) return;
  for (auto& [n, follower] : followers_)
    follower->failed(e, retry_after_s);
  end();
}

bool flight::leader_left() {
  leader_present_ = false;
  if (ended_) return false;
  if (waiting() > 0) return true;
  end();
  return false;
}

void flight::join(cache_client client) {
  const std::size_t n = next_follower_++;
  std::weak_ptr<flight> weak = weak_from_this();
  curl_loop* loop = &cache_.loop();
  client.reply.on_abandon([weak, loop, n] {
    loop->post([weak, n] {
      if (auto alive = weak.lock()) alive->leave(n);
    });
  });
  auto follower = std::make_unique<cached_reply>(std::move(client));
  follower->chunks(so_far_, model_);
  followers_.emplace(n, std::move(follower));
}

void flight::leave(std::size_t follower) {
  followers_.erase(follower);
  if (ended_ || leader_present_ || waiting() > 0) return;
  end();
  cancel_call_();
}

std::size_t flight::waiting() const {
  std::size_t n = 0;
  for (const auto& [id, follower] : followers_)
    n += follower->done() ? 0 : 1;
  return n;
}

void flight::end() {
  ended_ = true;
  cache_.close(key_, this);
}

}  // namespace llmopt
