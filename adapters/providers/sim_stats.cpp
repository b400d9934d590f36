#include "adapters/providers/sim_stats.hpp"

#include <optional>

namespace llmopt {

void sim_stats::received(sim_format f) {
  std::vector<http::responder> ready;
  nlohmann::json snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    ++open_;
    ++by_format_[static_cast<std::size_t>(f)];
    take_ready_locked(ready, snap);
  }
  answer(ready, snap);
}

void sim_stats::settled(bool abandoned) {
  std::vector<http::responder> ready;
  nlohmann::json snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    if (abandoned) ++abandoned_;
    take_ready_locked(ready, snap);
  }
  answer(ready, snap);
}

void sim_stats::held_back() {
  std::vector<http::responder> ready;
  nlohmann::json snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++held_back_;
    take_ready_locked(ready, snap);
  }
  answer(ready, snap);
}

bool sim_stats::reached_locked(counter c, long long value) const {
  return c == counter::open ? open_ == value : held_back_ >= value;
}

nlohmann::json sim_stats::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_locked();
}

nlohmann::json sim_stats::snapshot_locked() const {
  auto by_format = nlohmann::json::object();
  for (auto f : all_sim_formats)
    by_format[std::string(name_of(f))] = by_format_[static_cast<std::size_t>(f)];
  return {{"requests", requests_},
          {"open", open_},
          {"abandoned", abandoned_},
          {"held_back", held_back_},
          {"by_format", by_format}};
}

void sim_stats::take_ready_locked(std::vector<http::responder>& ready, nlohmann::json& snap) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (reached_locked(it->what, it->value)) {
      ready.push_back(std::move(it->reply));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (!ready.empty()) snap = snapshot_locked();  // as it was when the count was reached
}

// Outside the lock: a responder may run arbitrary server code.
void sim_stats::answer(std::vector<http::responder>& ready, const nlohmann::json& snap) {
  for (auto& reply : ready) {
    http::response r;
    r.body = snap.dump();
    reply(std::move(r));
  }
}

void sim_stats::await(counter c, long long value, std::chrono::milliseconds timeout,
                      http::responder reply, http::server& server) {
  std::optional<std::uint64_t> id;
  nlohmann::json now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reached_locked(c, value)) {
      now = snapshot_locked();
    } else {
      id = next_waiter_++;
      waiters_.push_back({*id, c, value, reply});
    }
  }
  if (!id) {
    http::response r;
    r.body = now.dump();
    return reply(std::move(r));
  }
  server.post_after(timeout, [this, id = *id] {
    std::optional<http::responder> late;
    nlohmann::json snap;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
        if (it->id == id) {
          late = std::move(it->reply);
          waiters_.erase(it);
          break;
        }
      snap = snapshot_locked();
    }
    if (!late) return;  // answered meanwhile
    snap["timed_out"] = true;
    http::response r;
    r.body = snap.dump();
    (*late)(std::move(r));
  });
}

// -- sim_open_request ------------------------------------------------------------

sim_open_request::sim_open_request(sim_stats& stats, sim_format f) : stats_(stats) {
  stats_.received(f);
}

sim_open_request::~sim_open_request() {
  settle(false);
}

void sim_open_request::finish() {
  settle(false);
}

void sim_open_request::abandon() {
  settle(true);
  std::shared_ptr<void> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    released.swap(held_);
  }
}

void sim_open_request::hold(std::shared_ptr<void> keep) {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = std::move(keep);
}

void sim_open_request::settle(bool abandoned) {
  if (!settled_.exchange(true)) stats_.settled(abandoned);
}

}  // namespace llmopt
