#pragma once

#include <string>
#include <string_view>

#include "decision/signal.hpp"

namespace llmopt {

// The message on the calls topic for `call` (a call_outcome signal with its
// id: unique per call) made by `instance`, as the calls adapter reads it
// back (calls_adapter.cpp); its key is the model.
std::string call_message(const typed_signal& call, std::string_view instance);

}  // namespace llmopt
