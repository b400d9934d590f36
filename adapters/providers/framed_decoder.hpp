#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/sse_reader.hpp"
#include "adapters/providers/wire_format.hpp"

namespace llmopt::wire {

// A stream decoder over a framing reader: the bytes go to the reader and
// each frame it completes to on_frame. The first error, or the end of the
// stream, ends the decoder: it takes nothing more.
template <class Reader, class Frame>
class framed_decoder : public stream_decoder {
 public:
  status feed(std::string_view bytes, std::vector<nlohmann::json>& chunks) final {
    if (ended_) return error{"bad_reply", "the stream already ended"};
    std::vector<Frame> frames;
    auto read = reader_.feed(bytes, frames);
    for (const auto& frame : frames)
      if (auto st = on_frame(frame, chunks); !st) return end(st);
    if (!read) return end(read);
    return ok_status();
  }

  status finish(std::vector<nlohmann::json>& chunks) final {
    if (ended_) return error{"bad_reply", "the stream already ended"};
    return end(on_end(chunks));
  }

 protected:
  // One complete frame; an error ends the stream.
  virtual status on_frame(const Frame& frame, std::vector<nlohmann::json>& chunks) = 0;
  // The upstream closed the response: appends what is left, or says `cut`.
  virtual status on_end(std::vector<nlohmann::json>& chunks) = 0;

  Reader reader_;

 private:
  status end(status st) {
    ended_ = true;
    return st;
  }

  bool ended_ = false;
};

// Server-sent events (OpenAI, Anthropic, Gemini).
using sse_decoder = framed_decoder<sse_reader, sse_event>;
// Newline-delimited JSON (Ollama).
using ndjson_decoder = framed_decoder<line_reader, std::string>;

}  // namespace llmopt::wire
