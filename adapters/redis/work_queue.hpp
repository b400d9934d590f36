#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llmopt {

// The commands of a blocking client (hiredis), run on a thread of their own
// and fed by a bounded queue, so that callers never wait: push() refuses
// when the queue is full or stopped, and the thread take()s what is queued.
// Used by redis_cache and redis_ledger.
//
// Threading: push() and stop() from any thread; take() from the thread
// start() runs. stop() (and the destructor) drops what is queued and joins
// the thread, once however many threads call it.
template <class Command>
class work_queue {
 public:
  explicit work_queue(std::size_t max_queued) : max_queued_(max_queued) {}
  ~work_queue() { stop(); }
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  // Runs `body` on the queue's thread. Once.
  void start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }

  // Queues `c`, moving it, and wakes the thread; false, leaving `c` as it
  // is, when the queue is full or stopped.
  bool push(Command& c) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(c));
    wake_.notify_one();
    return true;
  }

  // Waits for commands, then moves up to `max` of them, oldest first, into
  // `batch` (emptied first); false once stopped.
  bool take(std::vector<Command>& batch, std::size_t max) {
    batch.clear();
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return false;
    while (!queue_.empty() && batch.size() < max) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      queue_.clear();
    }
    wake_.notify_one();
    std::lock_guard<std::mutex> lock(join_mutex_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Command> queue_;
  bool stopping_ = false;
  std::mutex join_mutex_;
  std::thread thread_;
};

}  // namespace llmopt
