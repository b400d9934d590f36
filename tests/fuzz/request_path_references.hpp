#pragma once

// Plain re-readings of what the request path's readers promise, for
// request_path_invariants.cpp to compare their results with. Written from
// the contracts (sse_reader.hpp, bounded_json.hpp), not from the code, and
// as simply as possible: whole input, no bounds, no state across calls.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/sse_reader.hpp"

namespace llmopt::fuzz {

// The nesting depth of a parsed value as json_bounds counts it ("[]" is 1,
// a scalar 0), without recursion.
std::size_t depth_of(const nlohmann::json& value);

// True when `text` is whole UTF-8 sequences (by their lead and continuation
// bytes; overlong forms are not looked for).
bool valid_utf8(std::string_view text);

// `text` as a text/event-stream (the WHATWG algorithm sse_reader.hpp
// describes): the events dispatched, and whether a partial line or data is
// pending (the stream would be cut mid-event if it ended there).
struct event_reading {
  std::vector<sse_event> events;
  bool pending = false;
};
event_reading read_events(std::string_view text);

// `text` as newline-delimited lines (line_reader): the non-blank lines, a
// CR before the LF dropped, and the rest after the last LF.
struct line_reading {
  std::vector<std::string> lines;
  std::string rest;
};
line_reading read_lines(std::string_view text);

}  // namespace llmopt::fuzz
