// libFuzzer target for adapters/signals: the bytes of one Kafka message
// value, as the collector hands them to signal_parser::parse.
//
// Every input is parsed as a message of each of the five topics under the
// default limits, then once more under each of several small (and one
// large) parse_limits, on a topic picked from the input's size. Every
// result is checked against the parser's contract (signal_invariants.hpp);
// a result under other limits must equal the default one unless one of its
// limits applies. Parsers are reused across inputs, as the collector reuses
// its parser, so buffer reuse and growth are exercised too.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "adapters/signals/signal_parser.hpp"
#include "tests/fuzz/signal_invariants.hpp"

namespace {

using namespace llmopt;

constexpr topic_kind all_topics[] = {topic_kind::cost,        topic_kind::latency,
                                     topic_kind::sentinel,    topic_kind::shield,
                                     topic_kind::observatory, topic_kind::calls};
constexpr std::size_t topic_count = sizeof all_topics / sizeof all_topics[0];

// Limits other than the default: tiny messages, shallow nesting (0 is
// clamped to 1), both, and limits above the default.
constexpr parse_limits other_limits[] = {{64, 64},   {65536, 0}, {65536, 2},
                                         {65536, 3}, {512, 4},   {1 << 20, 1024}};
constexpr std::size_t other_count = sizeof other_limits / sizeof other_limits[0];

struct parsers {
  signal_parser reference;  // default limits
  std::optional<signal_parser> other[other_count];

  parsers() {
    for (std::size_t i = 0; i < other_count; ++i)
      other[i].emplace(other_limits[i]);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static parsers p;
  std::string_view bytes{reinterpret_cast<const char*>(data), size};

  std::optional<result<typed_signal>> reference[topic_count];
  for (std::size_t t = 0; t < topic_count; ++t) {
    reference[t].emplace(p.reference.parse(all_topics[t], bytes));
    fuzz::check_result({p.reference, all_topics[t], bytes, *reference[t]});
  }

  for (std::size_t i = 0; i < other_count; ++i) {
    std::size_t t = (size + i) % topic_count;
    auto parsed = p.other[i]->parse(all_topics[t], bytes);
    fuzz::parse_call call{*p.other[i], all_topics[t], bytes, parsed};
    fuzz::check_result(call);
    fuzz::check_same_unless_limited(call, {p.reference, all_topics[t], bytes, *reference[t]});
  }
  return 0;
}
