#pragma once

// Produces a signal stream with kcat, paced, for the tests that kill
// instances while signals arrive.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/signal_stream.hpp"
#include "tests/e2e/daemon_fixture.hpp"

namespace llmopt::test {

inline const std::vector<std::string> sources{"cost", "latency", "sentinel", "shield",
                                              "observatory"};

// Feeds every message to one kcat producer per topic, spread evenly over
// `duration` so that production overlaps the crashes.
class paced_producer {
 public:
  paced_producer(const std::string& bootstrap, const signal_stream& stream,
                 std::chrono::milliseconds duration)
      : stream_(stream), duration_(duration) {
    for (const auto& s : sources)
      kcat_[s] = std::make_unique<child_process>(
          std::vector<std::string>{"kcat", "-P", "-b", bootstrap, "-t", topic_of(s), "-K", "\x1f"},
          std::vector<std::string>{}, true);
    thread_ = std::thread([this] { run(); });
  }

  // Waits for every message to be handed to kcat and every kcat to deliver
  // and exit; returns what went wrong, or "" when every kcat exited 0.
  std::string finish() {
    thread_.join();
    std::string failures;
    for (auto& [s, k] : kcat_) {
      k->close_stdin();
      auto code = k->wait(std::chrono::seconds(120));
      if (!code || *code != 0)
        failures += "kcat " + s + " exit " + (code ? std::to_string(*code) : "timeout") + ": " +
                    k->err().substr(0, 2000) + "\n";
    }
    return failures;
  }

 private:
  void run() {
    const std::size_t slices = 200;
    const auto start = std::chrono::steady_clock::now();
    const auto n = stream_.messages.size();
    for (std::size_t slice = 0; slice < slices; ++slice) {
      std::map<std::string, std::string> chunk;
      for (std::size_t i = n * slice / slices; i < n * (slice + 1) / slices; ++i) {
        const auto& m = stream_.messages[i];
        chunk[m.source] += m.key + "\x1f" + m.value + "\n";
      }
      for (auto& [s, text] : chunk)
        kcat_.at(s)->write_stdin(text);
      std::this_thread::sleep_until(start + duration_ * (slice + 1) / slices);  // pacing
    }
  }

  const signal_stream& stream_;
  std::chrono::milliseconds duration_;
  std::map<std::string, std::unique_ptr<child_process>> kcat_;
  std::thread thread_;
};

}  // namespace llmopt::test
