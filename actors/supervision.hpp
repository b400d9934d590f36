#pragma once

#include <caf/all.hpp>

namespace llmopt {

// Keeps an actor alive, and loud, on what its behaviour does not expect:
//  - a message it has no handler for is logged and dropped (a request gets
//    an unexpected_message error back);
//  - an error message that no pending request awaits is logged (CAF's
//    default would make the actor quit);
//  - an exception escaping a handler is logged with the actor's name. CAF
//    0.17 ends the actor after an exception whatever the handler says, so
//    handlers must not throw: expected failures are values here.
// Call first thing in every actor's behaviour function.
void log_surprises(caf::scheduled_actor* self, const char* name);

}  // namespace llmopt
