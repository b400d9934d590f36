#pragma once

#include <atomic>
#include <memory>

namespace llmopt {

// A value as request threads read it: an immutable snapshot replaced whole
// by its one writer (an actor). Reading never waits for the writer or for a
// lock another thread holds for long. Thread-safe.
template <class T>
class shared_snapshot {
 public:
  // The current value; null before the first replace().
  std::shared_ptr<const T> current() const { return std::atomic_load(&value_); }
  void replace(T value) { std::atomic_store(&value_, std::make_shared<const T>(std::move(value))); }

 private:
  std::shared_ptr<const T> value_;
};

}  // namespace llmopt
