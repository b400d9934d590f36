#include "adapters/signals/topic_kind.hpp"

#include <array>

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 6> topic_names{"cost",   "latency",     "sentinel",
                                                      "shield", "observatory", "calls"};

// How a CloudEvents type names each family, in topic_kind order.
constexpr std::array<std::string_view, 6> event_type_names{"costops", "latencylens", "sentinel",
                                                           "shield",  "observatory", "llmopt.call"};

}  // namespace

std::string_view to_string(topic_kind topic) {
  auto i = static_cast<std::size_t>(topic);
  return i < topic_names.size() ? topic_names[i] : std::string_view{"?"};
}

std::optional<topic_kind> parse_topic_kind(std::string_view name) {
  for (std::size_t i = 0; i < topic_names.size(); ++i)
    if (topic_names[i] == name) return static_cast<topic_kind>(i);
  return std::nullopt;
}

std::optional<topic_kind> topic_named_by_event_type(std::string_view type) {
  // Fold into a bounded buffer: lower-case, without '-' and '_'. Types are
  // short reverse-DNS names; a longer one is searched in its first 256 bytes.
  char folded[256];
  std::size_t n = 0;
  for (char c : type) {
    if (n == sizeof folded) break;
    if (c == '-' || c == '_') continue;
    folded[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view haystack{folded, n};
  for (std::size_t i = 0; i < event_type_names.size(); ++i)
    if (haystack.find(event_type_names[i]) != std::string_view::npos)
      return static_cast<topic_kind>(i);
  return std::nullopt;
}

signal_source source_of(topic_kind topic) {
  switch (topic) {
    case topic_kind::cost:
      return signal_source::cost;
    case topic_kind::latency:
      return signal_source::latency;
    case topic_kind::sentinel:
      return signal_source::sentinel;
    case topic_kind::shield:
      return signal_source::shield;
    case topic_kind::observatory:
      return signal_source::observatory;
    case topic_kind::calls:
      return signal_source::router;
  }
  return signal_source::cost;
}

}  // namespace llmopt
