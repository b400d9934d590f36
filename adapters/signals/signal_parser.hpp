#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "adapters/signals/topic_kind.hpp"
#include "decision/result.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// Bounds on one message. Defaults match collector.max_message_bytes.
struct parse_limits {
  // A message larger than this is too_large, without being parsed.
  std::size_t max_message_bytes = 65536;
  // The deepest nesting of arrays and objects accepted, counting the
  // top-level object as 1 ({"a":[1]} is 2); deeper is not_json. At least 1.
  // (simdjson does not count an empty array or object one level deeper.)
  std::size_t max_depth = 64;
};

// Turns the value of one Kafka message into one typed signal
// (spec/signals.md): the upstream's own object in camelCase or snake_case,
// or the same object in a CloudEvents 1.0 structured envelope.
//
// Ownership and threads: one parser per thread. It owns a simdjson parser
// whose buffers grow to the largest message seen and are reused, so parsing
// allocates only the strings of the signal it returns. Not thread-safe.
// simdjson stays behind this header: its class layout depends on NDEBUG,
// which includers need not share.
class signal_parser {
 public:
  explicit signal_parser(parse_limits limits = {});
  ~signal_parser();
  signal_parser(signal_parser&&) noexcept;
  signal_parser& operator=(signal_parser&&) noexcept;

  // Parses `bytes` as a message of `topic`. Never throws, on any input.
  // Returns the signal, or an error whose code is one of the
  // dead_letter::all_reasons and whose detail names the offending field.
  // The returned signal owns its data; `bytes` need not outlive the call.
  // REQUIRES: not moved from.
  result<typed_signal> parse(topic_kind topic, std::string_view bytes);

  const parse_limits& limits() const { return limits_; }

 private:
  struct state;

  parse_limits limits_;
  std::unique_ptr<state> state_;
};

}  // namespace llmopt
