#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "decision/result.hpp"

namespace llmopt {

// One server-sent event.
struct sse_event {
  std::string name;  // the "event:" field; empty when none was given
  std::string data;  // the "data:" lines joined with '\n'
};

// Splits a text/event-stream into events as they complete, as the WHATWG
// HTML standard's event-stream parsing does: lines end in CRLF, LF or CR;
// "event:" and "data:" fields (one leading space stripped); comments
// (":...") and other fields ignored; a blank line dispatches the event
// (one with no data is dropped). Bytes may arrive split anywhere.
//
// Bounded: an event (or a line) longer than max_event_bytes is an error
// ("too_large"), and nothing more is read after an error.
class sse_reader {
 public:
  explicit sse_reader(std::size_t max_event_bytes = 4u << 20) : max_(max_event_bytes) {}

  // Appends every event the bytes complete to `out`.
  status feed(std::string_view bytes, std::vector<sse_event>& out);
  // True when bytes of an event not yet dispatched are held (the stream was
  // cut mid-event if it ends now).
  bool mid_event() const { return !line_.empty() || !event_.data.empty() || has_data_; }

 private:
  void take_line(std::vector<sse_event>& out);

  std::size_t max_;
  std::string line_;
  sse_event event_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the previous byte ended a line with CR: a LF now is part of it
  bool failed_ = false;
};

// Splits newline-delimited JSON (Ollama's streams) into lines as they
// complete; CRLF is accepted, blank lines are skipped. A line longer than
// max_line_bytes is an error ("too_large"), after which nothing is read.
class line_reader {
 public:
  explicit line_reader(std::size_t max_line_bytes = 4u << 20) : max_(max_line_bytes) {}

  status feed(std::string_view bytes, std::vector<std::string>& out);
  // The bytes after the last newline (a last line without one).
  const std::string& rest() const { return line_; }

 private:
  std::size_t max_;
  std::string line_;
  bool failed_ = false;
};

}  // namespace llmopt
