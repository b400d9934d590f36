#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmopt {

// One Kafka message for a signal topic.
struct stream_message {
  std::string source;  // cost, latency, sentinel, shield, observatory
  std::string key;
  std::string value;  // one line, no newline
};

// What a daemon that loses nothing and counts nothing twice must report
// after consuming a stream.
struct stream_expectation {
  struct counts {
    long long received = 0, applied = 0, duplicates = 0, dead_lettered = 0;
  };
  std::map<std::string, counts> by_source;
  std::map<std::string, double> cost_by_model;  // model key -> sum of costUsd applied
  counts total() const;
};

struct signal_stream {
  std::vector<stream_message> messages;
  stream_expectation expected;
};

// A deterministic mix of realistic signals (mostly cost telemetry, plus
// latency profiles, drift signals, policy events, spans and feedback) over
// `models` models of provider "sim". A fraction are invalid (every DLQ
// reason but a rare too_large) and a fraction are exact re-sends of an
// earlier valid message (same id: duplicates).
signal_stream make_signal_stream(std::uint64_t seed, int count, double invalid_fraction,
                                 double duplicate_fraction, int models = 20);

// The signal topic of a source name ("cost" -> "llm.signals.cost").
std::string topic_of(const std::string& source);

}  // namespace llmopt
