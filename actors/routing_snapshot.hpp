#pragma once

#include "actors/shared_snapshot.hpp"
#include "decision/routing_table.hpp"

namespace llmopt {

// The routing table as requests read it, replaced whole by the router actor;
// null before the first table.
using routing_snapshot = shared_snapshot<routing_table>;

}  // namespace llmopt
