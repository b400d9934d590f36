#pragma once

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

}  // namespace llmopt
