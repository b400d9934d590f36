#pragma once

// The bytes of the fixed upstream's answers, whole HTTP/1.1 responses in the
// shapes of OpenAI's chat completions API: a `chat.completion` object, or a
// chunked `text/event-stream` of `chat.completion.chunk` events whose
// content pieces are "t0 ", "t1 ", … Pure: built from a few appends on
// pre-built text, no JSON library.

#include <cstdint>
#include <string>
#include <string_view>

namespace llmopt::fixed_answer {

// The model named in an answer when the request names none usable.
inline constexpr std::string_view default_model = "bench-model";

// The request's "model" string as it may be echoed into an answer: its raw
// JSON text when short (≤ 200 bytes) and free of control characters, else
// default_model.
std::string_view echoed_model(std::string_view request_body);

// A whole non-streamed answer: 200, Content-Length, and a chat.completion
// whose message says "fixed answer", with usage 10 + 2 tokens.
void append_completion(std::string& out, std::string_view model, std::uint64_t id,
                       std::int64_t created);

// A whole error answer: `status` ("405 Method Not Allowed"), Content-Length,
// and an OpenAI-style error object.
void append_error(std::string& out, std::string_view status, std::string_view message);

// The events of one streamed answer, each in its own HTTP chunk.
class stream_events {
 public:
  stream_events(std::string_view model, std::uint64_t id, std::int64_t created);

  // The status line and headers, then the chunk whose delta is
  // {"role":"assistant","content":""}.
  void append_head(std::string& out) const;
  // The chunk whose delta content is "t{index} ".
  void append_token(std::string& out, int index) const;
  // The chunk with finish_reason "stop", the usage chunk (choices [], 10
  // prompt tokens, `tokens` completion tokens), "data: [DONE]" and the last
  // (zero-size) chunk.
  void append_end(std::string& out, int tokens) const;

 private:
  void append_event(std::string& out, std::string_view choices, std::string_view tail) const;

  std::string prefix_;  // {"id":…,"object":"chat.completion.chunk","created":…,"model":…,
};

}  // namespace llmopt::fixed_answer
