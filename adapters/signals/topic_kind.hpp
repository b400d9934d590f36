#pragma once

#include <optional>
#include <string_view>

#include "decision/pipeline_counters.hpp"

namespace llmopt {

// The upstream family a message belongs to: one per signal topic
// (spec/signals.md). A CloudEvents envelope may name a different family
// than its topic; the envelope wins.
enum class topic_kind { cost, latency, sentinel, shield, observatory, calls };

// "cost", "latency", "sentinel", "shield", "observatory", "calls".
std::string_view to_string(topic_kind topic);

// The inverse of to_string; nullopt for any other text.
std::optional<topic_kind> parse_topic_kind(std::string_view name);

// The source a topic's signals are counted under (calls: the router's).
signal_source source_of(topic_kind topic);

// The family a CloudEvents `type` names, if any: it contains "costops",
// "latencylens", "sentinel", "shield", "observatory" or "llmopt.call", compared
// case-insensitively with '-' and '_' ignored ("com.llmdevops.cost-ops.v1"
// → cost). The first of that list found wins.
std::optional<topic_kind> topic_named_by_event_type(std::string_view type);

}  // namespace llmopt
