#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "adapters/signals/signal_parser.hpp"
#include "config/settings.hpp"
#include "decision/engine.hpp"
#include "decision/signal_intake.hpp"

namespace llmopt {

// The options of the decision path, read from settings in one place: the
// daemon, `llmopt simulate` and the ingest bench run the same code with the
// same settings.
intake_options intake_options_of(const settings& s);
engine_options engine_options_of(const settings& s);
std::vector<model_spec> catalog_of(const settings& s);
parse_limits parse_limits_of(const settings& s);

// Which adapter reads each signal topic (kafka.topics.*): the collector's
// choice, and `llmopt signals validate --topic`'s.
using signal_topic_map = std::map<std::string, topic_kind, std::less<>>;
signal_topic_map signal_topics_of(const settings& s);
// Every topic llmopt reads or writes (kafka.topics.*): what the embedded
// broker and `llmopt broker` create.
std::vector<std::string> kafka_topics_of(const settings& s);

}  // namespace llmopt
