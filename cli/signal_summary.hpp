#pragma once

#include <string>

#include "decision/signal.hpp"

namespace llmopt {

// What a signal says, in one line for `llmopt signals validate`: the
// figures llmopt takes from it, e.g. "812 + 233 tokens, $0.00436, 1432.5 ms,
// route support-chat". Not its kind, id, model or time (printed beside it).
std::string summarize(const signal_body& body);

}  // namespace llmopt
